#include "http/per_id.hpp"

#include "http/error_response.hpp"
#include "http/request_parsing.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace jobforge::http {
namespace {

/// Calls at once: enough to overlap graceful cancels, few enough not to
/// crowd the runtime's other callers.
constexpr std::size_t parallel_calls = 8;

}  // namespace

expected<std::vector<job_id>> parse_id_list(const boost::json::value* ids,
                                            const std::string& path) {
  if (!ids || !ids->is_array() || ids->get_array().empty() ||
      ids->get_array().size() > max_ids_per_request)
    return error{
        error_code::invalid_argument,
        path + ": must be an array of 1 to " + std::to_string(max_ids_per_request) + " job ids",
        boost::json::object{{"path", path}}};
  std::vector<job_id> out;
  const auto& arr = ids->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto id = arr[i].is_string() ? parse_job_id(arr[i].get_string())
                                 : expected<job_id>{error{error_code::invalid_argument, ""}};
    const auto at = path + "[" + std::to_string(i) + "]";
    if (!id)
      return error{error_code::invalid_argument, at + ": must be a job id",
                   boost::json::object{{"path", at}}};
    out.push_back(*id);
  }
  return out;
}

void act_on_each(runtime& rt, const caller& who, const std::vector<job_id>& ids, response& res,
                 const std::function<expected<job>(const job_id&)>& act) {
  std::vector<std::optional<expected<job>>> done(ids.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (auto i = next++; i < ids.size(); i = next++) {
      auto visible = visible_job(rt, who, ids[i]);
      done[i] = visible ? act(ids[i]) : expected<job>{std::move(visible).error_value()};
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t k = 1; k < std::min(parallel_calls, ids.size()); ++k)
    helpers.emplace_back(work);
  work();
  for (auto& t : helpers)
    t.join();

  boost::json::array results;
  std::size_t ok_count = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& r = *done[i];
    if (r) {
      ++ok_count;
      results.push_back(boost::json::object{{"id", to_string(ids[i])}, {"job", to_json(*r)}});
    } else {
      results.push_back(
          boost::json::object{{"id", to_string(ids[i])},
                              {"error", error_envelope(r.error_value()).as_object().at("error")}});
    }
  }
  send_json(res, 200,
            boost::json::object{{"succeeded", ok_count},
                                {"failed", ids.size() - ok_count},
                                {"results", std::move(results)}});
}

}  // namespace jobforge::http

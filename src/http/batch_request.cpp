#include "http/batch_request.hpp"

#include "model/job_codec.hpp"

#include <boost/json.hpp>

#include <string>
#include <unordered_set>

namespace jobforge::http {
namespace {

error entry_error(std::size_t index, const std::string& message) {
  return batch_entry_error(index,
                           error{error_code::invalid_argument, message, boost::json::object{}});
}

}  // namespace

error batch_entry_error(std::size_t index, const error& e) {
  boost::json::object details;
  if (e.details.is_object()) details = e.details.as_object();
  details["index"] = index;
  return error{e.code, "jobs[" + std::to_string(index) + "]: " + e.message, std::move(details)};
}

expected<std::vector<batch_entry>> parse_batch(const boost::json::value& body) {
  const auto* root = body.if_object();
  if (!root) return error{error_code::invalid_argument, "the body must be {\"jobs\": [...]}"};
  for (const auto& field : *root)
    if (field.key() != "jobs")
      return error{error_code::invalid_argument,
                   "$." + std::string(field.key()) + ": unknown field",
                   boost::json::object{{"path", "$." + std::string(field.key())}}};
  const auto* jobs = root->if_contains("jobs");
  if (!jobs || !jobs->is_array())
    return error{error_code::invalid_argument, "$.jobs: must be an array of submissions"};
  std::vector<batch_entry> out;
  std::unordered_set<std::string> names;
  const auto& list = jobs->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) return entry_error(i, "must be an object");
    boost::json::object submission = list[i].get_object();
    batch_entry e;
    if (auto* name = submission.if_contains("name")) {
      if (!name->is_string() || name->get_string().empty())
        return entry_error(i, "name must be a non-empty string");
      e.name = std::string(name->get_string());
      submission.erase("name");
    }
    if (auto* parents = submission.if_contains("depends_on"); parents && parents->is_array()) {
      boost::json::array ids;
      for (const auto& p : parents->get_array()) {
        if (p.is_string() && names.count(std::string(p.get_string())))
          e.depends_on_names.emplace_back(p.get_string());
        else
          ids.push_back(p);  // an existing job id, checked by the decoder
      }
      (*parents) = std::move(ids);
    }
    auto request = job_request_from_json(submission);
    if (!request) {
      const auto& cause = request.error_value();
      return batch_entry_error(i,
                               error{error_code::invalid_argument, cause.message, cause.details});
    }
    e.request = std::move(*request);
    if (!e.name.empty()) names.insert(e.name);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace jobforge::http

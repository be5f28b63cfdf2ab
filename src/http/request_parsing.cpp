#include "http/request_parsing.hpp"
#include "model/exact_json_parse.hpp"

#include "model/finite_json.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cmath>
#include <set>

namespace jobforge::http {
namespace {

error bad_param(std::string_view what, std::string_view text, const std::string& reason) {
  return error{error_code::invalid_argument,
               std::string(what) + " " + reason + ", got \"" + std::string(text) + "\"",
               boost::json::object{{"parameter", what}, {"value", text}, {"reason", reason}}};
}

}  // namespace

expected<boost::json::value> parse_json_body(const httplib::Request& req, bool allow_empty) {
  if (req.is_multipart_form_data())
    return error{error_code::invalid_json,
                 "the request body must be JSON, not multipart/form-data"};
  if (req.body.empty()) {
    if (allow_empty) return boost::json::value(nullptr);
    return error{error_code::invalid_json, "the request body is empty; a JSON object is expected"};
  }
  boost::json::error_code ec;
  auto value = parse_json_exactly(req.body, ec);
  if (ec)
    return error{error_code::invalid_json, "the request body is not valid JSON: " + ec.message(),
                 boost::json::object{{"reason", ec.message()}}};
  // 1e400 parses as infinity: refused here, naming its path, before anything
  // could store it (no JSON text can spell it again).
  if (auto ok = require_finite(value); !ok) return std::move(ok).error_value();
  return value;
}

httplib::Params query_params(const httplib::Request& req) {
  httplib::Params params;
  const auto mark = req.target.find('?');
  // detail:: but declared in the shipped header and exported by the library;
  // it is what httplib itself decodes queries with.
  if (mark != std::string::npos)
    httplib::detail::parse_query_text(req.target.substr(mark + 1), params);
  return params;
}

expected<void> check_query(const httplib::Params& params,
                           std::initializer_list<std::string_view> known) {
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    bool ok = false;
    for (auto k : known)
      ok = ok || k == name;
    if (!ok) {
      boost::json::array allowed;
      for (auto k : known)
        allowed.emplace_back(k);
      return error{error_code::invalid_argument, "unknown query parameter \"" + name + "\"",
                   boost::json::object{{"parameter", name}, {"allowed", std::move(allowed)}}};
    }
    if (!seen.insert(name).second)
      return error{error_code::invalid_argument,
                   "query parameter \"" + name + "\" is given more than once",
                   boost::json::object{{"parameter", name}}};
  }
  return {};
}

std::optional<std::string> query_param(const httplib::Params& params, const std::string& name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

expected<std::int64_t> parse_integer(std::string_view text, std::string_view what, std::int64_t min,
                                     std::int64_t max) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end)
    return bad_param(what, text, "must be an integer");
  if (value < min || value > max)
    return bad_param(what, text,
                     "must be within " + std::to_string(min) + ".." + std::to_string(max));
  return value;
}

expected<double> parse_seconds(std::string_view text, std::string_view what, double max) {
  double value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value))
    return bad_param(what, text, "must be a number of seconds");
  if (value < 0 || value > max)
    return bad_param(what, text, "must be within 0.." + std::to_string(static_cast<int>(max)));
  return value;
}

expected<job_id> parse_job_id(std::string_view text) {
  if (auto id = job_id::parse(text)) return *id;
  return error{error_code::invalid_argument,
               "\"" + std::string(text) + "\" is not a job id (a UUID such as " +
                   "0f8fad5b-d9cb-469f-a165-70867728950e)",
               boost::json::object{{"id", text}}};
}

}  // namespace jobforge::http

#include "http/job_response.hpp"

#include "http/error_response.hpp"
#include "model/job_json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace jobforge::http {
namespace {

void append_string(std::string& body, std::string_view text) {
  body.append(boost::json::serialize(boost::json::string_view(text.data(), text.size())));
}

}  // namespace

void send_job(httplib::Response& res, int status, const job& j) {
  auto text = job_json_text(j);
  if (!text)
    return send_error(res, error{error_code::internal, text.error_value().message,
                                 boost::json::object{{"id", to_string(j.id)}}});
  res.status = status;
  res.set_content(std::move(text).value(), "application/json");
}

void send_jobs(httplib::Response& res, int status, const char* key, const std::vector<job>& jobs,
               const std::optional<std::string>& next_cursor,
               std::vector<unreadable_job> unreadable) {
  std::string body;
  body.reserve(64 + jobs.size() * 1024);
  body.append("{\"").append(key).append("\":[");
  bool first = true;
  for (const auto& j : jobs) {
    auto text = job_json_text(j);
    if (!text) {
      unreadable.push_back(unreadable_job{j.id, text.error_value().message});
      continue;
    }
    if (!first) body.push_back(',');
    first = false;
    body.append(*text);
  }
  body.push_back(']');
  if (next_cursor) {
    body.append(",\"next_cursor\":");
    append_string(body, *next_cursor);
  }
  if (!unreadable.empty()) {
    body.append(",\"unreadable\":[");
    for (std::size_t i = 0; i < unreadable.size(); ++i) {
      if (i > 0) body.push_back(',');
      body.append("{\"id\":\"").append(to_string(unreadable[i].id)).append("\",\"reason\":");
      append_string(body, unreadable[i].reason);
      body.push_back('}');
    }
    body.push_back(']');
  }
  body.push_back('}');
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

}  // namespace jobforge::http

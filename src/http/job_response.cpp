#include "http/job_response.hpp"

#include "model/job_json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace jobforge::http {

void send_job(httplib::Response& res, int status, const job& j) {
  res.status = status;
  res.set_content(job_json_text(j), "application/json");
}

void send_jobs(httplib::Response& res, int status, const char* key, const std::vector<job>& jobs,
               const std::optional<std::string>& next_cursor) {
  std::string body;
  body.reserve(64 + jobs.size() * 1024);
  body.append("{\"").append(key).append("\":[");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(job_json_text(jobs[i]));
  }
  body.push_back(']');
  if (next_cursor)
    body.append(",\"next_cursor\":")
        .append(boost::json::serialize(boost::json::string_view(*next_cursor)));
  body.push_back('}');
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

}  // namespace jobforge::http

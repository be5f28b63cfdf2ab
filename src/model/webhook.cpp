#include "model/webhook.hpp"

#include "model/job_codec.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace jobforge {
namespace {

bool fires_on(const std::vector<job_status>& events, job_status to) {
  if (events.empty()) return is_terminal(to);
  return std::find(events.begin(), events.end(), to) != events.end();
}

}  // namespace

std::vector<job_status> default_webhook_events() {
  return {job_status::completed, job_status::failed, job_status::canceled};
}

expected<void> check_webhook_url(std::string_view url, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return error{error_code::invalid_argument, "'" + field + "' " + why,
                 boost::json::object{{"field", field}}};
  };
  if (url.size() > 2048) return bad("must be at most 2048 bytes");
  std::string_view rest;
  if (url.rfind("https://", 0) == 0)
    rest = url.substr(8);
  else if (url.rfind("http://", 0) == 0)
    rest = url.substr(7);
  else
    return bad("must be an http:// or https:// URL");
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' || rest.front() == '?')
    return bad("must name a host");
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad("must not contain spaces or control characters");
  return {};
}

std::vector<std::string> webhook_urls_for(const job& j, const webhook_settings& settings) {
  std::vector<std::string> urls;
  if (j.history.empty() || j.type == webhook_delivery_type) return urls;
  const job_status to = j.history.back().to;
  auto add = [&](const std::string& url) {
    if (std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(url);
  };
  if (j.webhook_url && fires_on(j.webhook_events, to)) add(*j.webhook_url);
  for (const auto& rule : settings.rules) {
    const bool type_matches = rule.types.empty() || std::find(rule.types.begin(), rule.types.end(),
                                                              j.type) != rule.types.end();
    if (type_matches && fires_on(rule.events, to)) add(rule.url);
  }
  return urls;
}

boost::json::value webhook_event(const job& j) {
  const history_entry& change = j.history.back();
  boost::json::object o{
      {"event", "job." + std::string(to_string(change.to))},
      {"job_id", to_string(j.id)},
      {"type", j.type},
      {"tenant", j.tenant},
      {"from", change.from ? boost::json::value(to_string(*change.from)) : nullptr},
      {"to", to_string(change.to)},
      {"attempt", change.attempt},
      {"attempts", j.attempts},
      {"max_attempts", j.max_attempts},
      {"at", format_rfc3339(change.at)},
  };
  if (!j.tags.empty()) {
    boost::json::array tags;
    for (const auto& t : j.tags)
      tags.emplace_back(t);
    o["tags"] = std::move(tags);
  }
  if (change.to == job_status::completed) {
    o["result"] = j.result;
    if (j.result_file) o["result_file"] = to_json(*j.result_file);
  }
  if (change.error) o["error"] = to_json(*change.error);
  if (!change.reason.empty()) o["reason"] = change.reason;
  return o;
}

}  // namespace jobforge

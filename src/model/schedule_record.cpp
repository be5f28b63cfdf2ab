#include "model/schedule_record.hpp"

#include "model/detail/json_reader.hpp"
#include "model/job_codec.hpp"

#include <boost/json.hpp>

namespace jobforge {
namespace {

namespace json = boost::json;
using detail::json_reader;

void put_time(json::object& o, const char* key, const std::optional<timestamp>& t) {
  if (t) o[key] = format_rfc3339(*t);
}

schedule_definition read_definition(json_reader& r) {
  schedule_definition s;
  s.name = r.required_string("name");
  s.cron = r.required_string("cron");
  s.zone = r.optional_string("zone").value_or("UTC");
  if (auto p = r.optional_enum("on_missed", parse_missed_ticks_policy, "catch_up, skip"))
    s.on_missed = *p;
  if (auto cap = r.optional_int("catch_up_cap", 1, max_catch_up_cap))
    s.catch_up_cap = static_cast<int>(*cap);
  s.paused = r.optional_bool("paused").value_or(false);
  auto request = job_request_from_json(r.required_value("job"));
  if (!request) {
    // Name the field inside "job": the submission's own path starts at "$".
    auto reason = request.error_value().message;
    if (reason.rfind("$", 0) == 0) reason.erase(0, 1);
    r.fail("job", reason.rfind(":", 0) == 0 ? reason.substr(2) : reason);
  }
  s.job = std::move(request).value();
  return s;
}

}  // namespace

json::value to_json(const schedule_definition& s) {
  return json::object{{"name", s.name},
                      {"cron", s.cron},
                      {"zone", s.zone},
                      {"on_missed", to_string(s.on_missed)},
                      {"catch_up_cap", s.catch_up_cap},
                      {"paused", s.paused},
                      {"job", to_json(s.job)}};
}

expected<schedule_definition> schedule_definition_from_json(const json::value& v) {
  return detail::decode<schedule_definition>([&] {
    json_reader r(v, "$");
    auto s = read_definition(r);
    r.finish();
    return s;
  });
}

json::value to_json(const schedule_record& r) {
  json::object o{{"name", r.name},   {"paused", r.paused},   {"since", format_rfc3339(r.since)},
                 {"fires", r.fires}, {"skipped", r.skipped}, {"failures", r.failures}};
  if (r.definition) o["definition"] = to_json(*r.definition);
  put_time(o, "last_tick", r.last_tick);
  put_time(o, "last_fired_at", r.last_fired_at);
  if (r.last_job) o["last_job"] = to_string(*r.last_job);
  if (r.last_error) o["last_error"] = *r.last_error;
  if (!r.created_by.empty()) o["created_by"] = r.created_by;
  return o;
}

expected<schedule_record> schedule_record_from_json(const json::value& v) {
  return detail::decode<schedule_record>([&] {
    json_reader r(v, "$");
    schedule_record out;
    out.name = r.required_string("name");
    out.paused = r.optional_bool("paused").value_or(false);
    out.since = r.required_time("since");
    const auto count = [&](const char* key) {
      return static_cast<std::uint64_t>(r.optional_int(key, 0).value_or(0));
    };
    out.fires = count("fires");
    out.skipped = count("skipped");
    out.failures = count("failures");
    if (const auto* d = r.optional_value("definition")) {
      json_reader inner(*d, r.path_of("definition"));
      out.definition = read_definition(inner);
      inner.finish();
    }
    out.last_tick = r.optional_time("last_tick");
    out.last_fired_at = r.optional_time("last_fired_at");
    if (r.optional_value("last_job")) out.last_job = r.required_id("last_job");
    out.last_error = r.optional_string("last_error");
    out.created_by = r.optional_string("created_by").value_or("");
    r.finish();
    return out;
  });
}

}  // namespace jobforge

#include "client/job_json.hpp"
#include "model/exact_json_parse.hpp"

#include <boost/json.hpp>

namespace jobforge::client {

namespace json = boost::json;

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

namespace {

std::string string_field(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::string> optional_string(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

int int_field(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  return v && v->is_int64() ? static_cast<int>(v->get_int64()) : 0;
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items)
    out.emplace_back(s);
  return out;
}

}  // namespace

std::optional<job> job_from_json(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  job j;
  j.id = string_field(o, "id");
  j.status = string_field(o, "status");
  if (j.id.empty() || j.status.empty()) return std::nullopt;
  j.type = string_field(o, "type");
  j.priority = string_field(o, "priority");
  j.effective_priority = string_field(o, "effective_priority");
  if (j.effective_priority.empty()) j.effective_priority = j.priority;  // an older server
  j.attempts = int_field(o, "attempts");
  j.max_attempts = int_field(o, "max_attempts");
  if (const auto* m = o.if_contains("max_retry_ms"); m && m->is_int64())
    j.max_retry_ms = m->get_int64();
  j.tenant = string_field(o, "tenant");
  if (const auto* tags = o.if_contains("tags"); tags && tags->is_array())
    for (const auto& t : tags->get_array())
      j.tags.push_back(text_of(t));
  const auto* payload = o.if_contains("payload");
  j.payload_json = payload ? json::serialize(*payload) : "null";
  const auto* result = o.if_contains("result");
  j.result_json = result ? json::serialize(*result) : "null";
  if (const auto* e = o.if_contains("last_error"); e && e->is_object())
    j.last_error =
        job_error{string_field(e->get_object(), "code"), string_field(e->get_object(), "message"),
                  string_field(e->get_object(), "kind")};
  j.unique_key = optional_string(o, "unique_key");
  j.cancel_reason = optional_string(o, "cancel_reason");
  j.created_at = string_field(o, "created_at");
  j.updated_at = string_field(o, "updated_at");
  j.finished_at = optional_string(o, "finished_at");
  j.json = json::serialize(v);
  return j;
}

std::optional<json::object> request_to_json(const submit_request& r,
                                            std::chrono::milliseconds unique_for,
                                            std::string& problem) {
  json::error_code ec;
  json::value payload = parse_json_exactly(r.payload_json, ec);
  if (ec) {
    problem = "the payload is not valid JSON: " + ec.message();
    return std::nullopt;
  }
  json::object o{{"type", r.type}, {"payload", std::move(payload)}};
  if (r.priority) o["priority"] = *r.priority;
  if (!r.depends_on.empty()) o["depends_on"] = strings(r.depends_on);
  if (r.dependency_mode) o["dependency_mode"] = *r.dependency_mode;
  if (r.on_dependency_failure) o["on_dependency_failure"] = *r.on_dependency_failure;
  if (r.dependency_timeout_ms) o["dependency_timeout_ms"] = *r.dependency_timeout_ms;
  if (r.run_at) o["run_at"] = *r.run_at;
  if (r.run_in_ms) o["run_in_ms"] = *r.run_in_ms;
  if (!r.tags.empty()) o["tags"] = strings(r.tags);
  if (r.max_attempts) o["max_attempts"] = *r.max_attempts;
  if (r.max_retry_ms) o["max_retry_ms"] = *r.max_retry_ms;
  if (r.timeout_ms) o["timeout_ms"] = *r.timeout_ms;
  if (r.unique_key) {
    o["unique_key"] = *r.unique_key;
    // The server's default window for a key is its type's, often 0 (no
    // dedup at all): a retried submission must be covered.
    o["unique_for_ms"] = r.unique_for_ms.value_or(unique_for.count());
  } else if (r.unique_for_ms) {
    o["unique_for_ms"] = *r.unique_for_ms;
  }
  return o;
}

std::optional<schedule> schedule_from_json(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* name = o.if_contains("name");
  const auto* cron = o.if_contains("cron");
  if (!name || !name->is_string() || !cron || !cron->is_string()) return std::nullopt;
  const auto text = [&](const char* key) -> std::optional<std::string> {
    const auto* f = o.if_contains(key);
    if (!f || f->is_null()) return std::nullopt;
    return text_of(*f);
  };
  const auto count = [&](const char* key) -> std::uint64_t {
    const auto* f = o.if_contains(key);
    return f && f->is_number() ? f->to_number<std::uint64_t>() : 0;
  };
  schedule s;
  s.name = text_of(*name);
  s.cron = text_of(*cron);
  s.zone = text("zone").value_or("UTC");
  s.on_missed = text("on_missed").value_or("skip");
  s.origin = text("origin").value_or("");
  s.tenant = text("tenant").value_or("");
  if (const auto* job = o.if_contains("job"); job && job->is_object())
    if (const auto* type = job->get_object().if_contains("type")) s.job_type = text_of(*type);
  const auto* paused = o.if_contains("paused");
  s.paused = paused && paused->is_bool() && paused->get_bool();
  s.next_fire_at = text("next_fire_at");
  s.last_tick = text("last_tick");
  s.last_fired_at = text("last_fired_at");
  s.last_job = text("last_job");
  s.fires = count("fires");
  s.skipped = count("skipped");
  s.failures = count("failures");
  s.last_error = text("last_error");
  s.created_by = text("created_by").value_or("");
  s.json = json::serialize(v);
  return s;
}

}  // namespace jobforge::client

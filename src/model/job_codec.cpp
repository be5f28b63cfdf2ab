#include "model/job_codec.hpp"

#include "model/detail/json_reader.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>

namespace jobforge {

using detail::decode;
using detail::decode_failure;
using detail::json_reader;
namespace json = boost::json;

namespace {

json::value time_or_null(const std::optional<timestamp>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::value string_or_null(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) {
  return json::array(v.begin(), v.end());
}

json::array ids(const std::vector<job_id>& v) {
  json::array out;
  for (const auto& id : v)
    out.emplace_back(to_string(id));
  return out;
}

constexpr const char* status_names =
    "scheduled, blocked, pending, running, retrying, completed, failed, canceled";

json::array statuses(const std::vector<job_status>& v) {
  json::array out;
  for (const auto s : v)
    out.emplace_back(to_string(s));
  return out;
}

/// A list of status names; "*" stands for every status (every transition).
std::vector<job_status> read_statuses(json_reader& r, std::string_view key) {
  std::vector<job_status> out;
  auto names = r.optional_strings(key);
  if (!names) return out;
  for (const auto& name : *names) {
    if (name == "*") return {all_job_statuses.begin(), all_job_statuses.end()};
    auto s = parse_job_status(name);
    if (!s)
      r.fail(key, "entries must be \"*\" or one of " + std::string(status_names) + ", got \"" +
                      name + "\"");
    if (std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  }
  return out;
}
constexpr const char* priority_names = "low, normal, high, critical";
constexpr const char* kind_names = "transient, permanent, timeout, crash";

job_error read_job_error(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  job_error e;
  e.code = r.required_string("code");
  e.message = r.optional_string("message").value_or("");
  auto kind = r.optional_enum("kind", parse_error_kind, kind_names);
  if (!kind) r.fail("kind", "is required");
  e.kind = *kind;
  e.retry_after_ms = r.optional_int("retry_after_ms", 0);
  r.finish();
  return e;
}

result_blob read_result_blob(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  result_blob b;
  b.file = r.required_string("file");
  if (b.file.empty() || b.file.find('/') != std::string::npos || b.file.front() == '.')
    r.fail("file", "must be a plain file name");
  b.size = r.required_int("size", 0);
  b.sha256 = r.required_string("sha256");
  b.content_type = r.required_string("content_type");
  r.finish();
  return b;
}

job_progress read_progress(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  job_progress p;
  p.percent = r.required_number("percent");
  if (!(p.percent >= 0 && p.percent <= 100)) r.fail("percent", "must be within 0..100");
  p.stage = r.optional_string("stage").value_or("");
  p.message = r.optional_string("message").value_or("");
  p.updated_at = r.required_time("updated_at");
  p.eta_ms = r.optional_int("eta_ms", 0);
  r.finish();
  return p;
}

history_entry read_history_entry(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  history_entry h;
  h.at = r.required_time("at");
  h.from = r.optional_enum("from", parse_job_status, status_names);
  auto to = r.optional_enum("to", parse_job_status, status_names);
  if (!to) r.fail("to", "is required");
  h.to = *to;
  h.attempt = static_cast<int>(r.optional_int("attempt", 0, INT32_MAX).value_or(0));
  if (const auto* e = r.optional_value("error")) h.error = read_job_error(*e, r.path_of("error"));
  h.node = r.optional_string("node").value_or("");
  h.reason = r.optional_string("reason").value_or("");
  r.finish();
  return h;
}

retry_settings read_retry(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  retry_settings s;
  s.initial_backoff_ms = r.required_int("initial_backoff_ms", 0);
  s.max_backoff_ms = r.required_int("max_backoff_ms", 0);
  s.multiplier = r.required_number("multiplier");
  s.jitter = r.required_number("jitter");
  if (!(s.multiplier >= 1)) r.fail("multiplier", "must be at least 1");
  if (!(s.jitter >= 0 && s.jitter <= 1)) r.fail("jitter", "must be within 0..1");
  s.retry_on = r.optional_strings("retry_on").value_or(std::vector<std::string>{});
  r.finish();
  return s;
}

retry_overrides read_retry_overrides(const json::value& v, const std::string& path) {
  json_reader r(v, path);
  retry_overrides o;
  o.initial_backoff_ms = r.optional_int("initial_backoff_ms", 0);
  o.max_backoff_ms = r.optional_int("max_backoff_ms", 0);
  o.multiplier = r.optional_number("multiplier");
  o.jitter = r.optional_number("jitter");
  o.retry_on = r.optional_strings("retry_on");
  r.finish();
  return o;
}

void read_dependencies(json_reader& r, dependency_spec& d) {
  d.depends_on = r.optional_ids("depends_on");
  d.mode = r.optional_enum("dependency_mode", parse_dependency_mode, "all, any")
               .value_or(dependency_mode::all);
  d.on_failure =
      r.optional_enum("on_dependency_failure", parse_dependency_failure_policy, "cancel, run")
          .value_or(dependency_failure_policy::cancel);
  d.timeout_ms = r.optional_int("dependency_timeout_ms", 0, max_dependency_timeout_ms).value_or(0);
}

json::value payload_or_null(const json::value* v) {
  return v ? *v : json::value(nullptr);
}

}  // namespace

json::value to_json(const result_blob& b) {
  return json::object{
      {"file", b.file}, {"size", b.size}, {"sha256", b.sha256}, {"content_type", b.content_type}};
}

json::value to_json(const job_error& e) {
  json::object o{{"code", e.code}, {"message", e.message}, {"kind", to_string(e.kind)}};
  if (e.retry_after_ms) o["retry_after_ms"] = *e.retry_after_ms;
  return o;
}

expected<job_error> job_error_from_json(const json::value& v) {
  return decode<job_error>([&] { return read_job_error(v, "$"); });
}

json::value to_json(const job_progress& p) {
  return json::object{{"percent", p.percent},
                      {"stage", p.stage},
                      {"message", p.message},
                      {"updated_at", format_rfc3339(p.updated_at)},
                      {"eta_ms", p.eta_ms ? json::value(*p.eta_ms) : json::value(nullptr)}};
}

expected<job_progress> job_progress_from_json(const json::value& v) {
  return decode<job_progress>([&] { return read_progress(v, "$"); });
}

json::value to_json(const history_entry& h) {
  return json::object{{"at", format_rfc3339(h.at)},
                      {"from", h.from ? json::value(to_string(*h.from)) : json::value(nullptr)},
                      {"to", to_string(h.to)},
                      {"attempt", h.attempt},
                      {"error", h.error ? to_json(*h.error) : json::value(nullptr)},
                      {"node", h.node.view()},
                      {"reason", h.reason}};
}

expected<history_entry> history_entry_from_json(const json::value& v) {
  return decode<history_entry>([&] { return read_history_entry(v, "$"); });
}

json::value to_json(const retry_settings& s) {
  return json::object{{"initial_backoff_ms", s.initial_backoff_ms},
                      {"max_backoff_ms", s.max_backoff_ms},
                      {"multiplier", s.multiplier},
                      {"jitter", s.jitter},
                      {"retry_on", strings(s.retry_on)}};
}

expected<retry_settings> retry_settings_from_json(const json::value& v) {
  return decode<retry_settings>([&] { return read_retry(v, "$"); });
}

json::value to_json(const job& j) {
  json::array history;
  history.reserve(j.history.size());
  for (const auto& h : j.history)
    history.push_back(to_json(h));
  return json::object{
      {"id", to_string(j.id)},
      {"type", j.type},
      {"payload", j.payload},
      {"status", to_string(j.status)},
      {"priority", to_string(j.priority)},
      {"effective_priority", to_string(j.inherited_priority.value_or(j.priority))},
      {"attempts", j.attempts},
      {"max_attempts", j.max_attempts},
      {"max_retry_ms", j.max_retry_ms},
      {"retry", to_json(j.retry)},
      {"timeout_ms", j.timeout_ms},
      {"run_at", time_or_null(j.run_at)},
      {"depends_on", ids(j.dependencies.depends_on)},
      {"dependency_mode", to_string(j.dependencies.mode)},
      {"on_dependency_failure", to_string(j.dependencies.on_failure)},
      {"dependency_timeout_ms", j.dependencies.timeout_ms},
      {"unique_key", string_or_null(j.unique_key)},
      {"unique_for_ms", j.unique_for_ms},
      {"tenant", j.tenant},
      {"tags", strings(j.tags)},
      {"webhook_url", string_or_null(j.webhook_url)},
      {"webhook_events", statuses(j.webhook_events)},
      {"progress", j.progress ? to_json(*j.progress) : json::value(nullptr)},
      {"result", j.result},
      {"result_file", j.result_file ? to_json(*j.result_file) : json::value(nullptr)},
      {"last_error", j.last_error ? to_json(*j.last_error) : json::value(nullptr)},
      {"checkpoint", j.checkpoint},
      {"history", std::move(history)},
      {"created_at", format_rfc3339(j.created_at)},
      {"updated_at", format_rfc3339(j.updated_at)},
      {"next_attempt_at", time_or_null(j.next_attempt_at)},
      {"started_at", time_or_null(j.started_at)},
      {"finished_at", time_or_null(j.finished_at)},
      {"canceled_at", time_or_null(j.canceled_at)},
      {"cancel_reason", string_or_null(j.cancel_reason)},
      {"canceled_by", string_or_null(j.canceled_by)},
  };
}

expected<job> job_from_json(const json::value& v) {
  return decode<job>([&] {
    json_reader r(v, "$");
    job j;
    j.id = r.required_id("id");
    j.type = r.required_string("type");
    j.payload = payload_or_null(r.optional_value("payload"));
    auto status = r.optional_enum("status", parse_job_status, status_names);
    if (!status) r.fail("status", "is required");
    j.status = *status;
    j.priority =
        r.optional_enum("priority", parse_priority, priority_names).value_or(priority::normal);
    // Written for every job by the API, only when lent in the stored form.
    if (auto lent = r.optional_enum("effective_priority", parse_priority, priority_names);
        lent && *lent > j.priority)
      j.inherited_priority = *lent;
    j.attempts = static_cast<int>(r.required_int("attempts", 0, INT32_MAX));
    j.max_attempts = static_cast<int>(r.required_int("max_attempts", 1, INT32_MAX));
    j.max_retry_ms = r.optional_int("max_retry_ms", 0).value_or(0);
    j.retry = read_retry(r.required_value("retry"), r.path_of("retry"));
    j.timeout_ms = r.required_int("timeout_ms", 1);
    j.run_at = r.optional_time("run_at");
    read_dependencies(r, j.dependencies);
    j.unique_key = r.optional_string("unique_key");
    j.unique_for_ms = r.optional_int("unique_for_ms", 0).value_or(0);
    j.tenant = r.required_string("tenant");
    j.tags = r.optional_strings("tags").value_or(std::vector<std::string>{});
    j.webhook_url = r.optional_string("webhook_url");
    j.webhook_events = read_statuses(r, "webhook_events");
    if (const auto* p = r.optional_value("progress"))
      j.progress = read_progress(*p, r.path_of("progress"));
    j.result = payload_or_null(r.optional_value("result"));
    if (const auto* b = r.optional_value("result_file"))
      j.result_file = read_result_blob(*b, r.path_of("result_file"));
    if (const auto* e = r.optional_value("last_error"))
      j.last_error = read_job_error(*e, r.path_of("last_error"));
    j.checkpoint = payload_or_null(r.optional_value("checkpoint"));
    if (const auto* h = r.optional_value("history")) {
      if (!h->is_array()) r.wrong_type("history", "an array", *h);
      const auto& arr = h->get_array();
      for (std::size_t i = 0; i < arr.size(); ++i)
        j.history.push_back(
            read_history_entry(arr[i], r.path_of("history") + "[" + std::to_string(i) + "]"));
    }
    j.created_at = r.required_time("created_at");
    j.updated_at = r.required_time("updated_at");
    j.next_attempt_at = r.optional_time("next_attempt_at");
    j.started_at = r.optional_time("started_at");
    j.finished_at = r.optional_time("finished_at");
    j.canceled_at = r.optional_time("canceled_at");
    j.cancel_reason = r.optional_string("cancel_reason");
    j.canceled_by = r.optional_string("canceled_by");
    r.finish();
    return j;
  });
}

json::value to_json(const job_request& q) {
  json::object o{{"type", q.type}, {"payload", q.payload}};
  if (q.priority) o["priority"] = to_string(*q.priority);
  if (q.max_attempts) o["max_attempts"] = *q.max_attempts;
  if (q.max_retry_ms) o["max_retry_ms"] = *q.max_retry_ms;
  if (!q.retry.empty()) {
    json::object retry;
    if (q.retry.initial_backoff_ms) retry["initial_backoff_ms"] = *q.retry.initial_backoff_ms;
    if (q.retry.max_backoff_ms) retry["max_backoff_ms"] = *q.retry.max_backoff_ms;
    if (q.retry.multiplier) retry["multiplier"] = *q.retry.multiplier;
    if (q.retry.jitter) retry["jitter"] = *q.retry.jitter;
    if (q.retry.retry_on) retry["retry_on"] = strings(*q.retry.retry_on);
    o["retry"] = std::move(retry);
  }
  if (q.timeout_ms) o["timeout_ms"] = *q.timeout_ms;
  if (q.run_at) o["run_at"] = format_rfc3339(*q.run_at);
  if (q.run_in_ms) o["run_in_ms"] = *q.run_in_ms;
  if (!q.dependencies.empty()) {
    o["depends_on"] = ids(q.dependencies.depends_on);
    o["dependency_mode"] = to_string(q.dependencies.mode);
    o["on_dependency_failure"] = to_string(q.dependencies.on_failure);
    if (q.dependencies.timeout_ms > 0) o["dependency_timeout_ms"] = q.dependencies.timeout_ms;
  }
  if (q.unique_key) o["unique_key"] = *q.unique_key;
  if (q.unique_for_ms) o["unique_for_ms"] = *q.unique_for_ms;
  if (!q.tenant.empty()) o["tenant"] = q.tenant;
  if (!q.tags.empty()) o["tags"] = strings(q.tags);
  if (q.webhook_url) o["webhook_url"] = *q.webhook_url;
  if (!q.webhook_events.empty()) o["webhook_events"] = statuses(q.webhook_events);
  return o;
}

expected<job_request> job_request_from_json(const json::value& v) {
  return decode<job_request>([&] {
    json_reader r(v, "$");
    job_request q;
    q.type = r.required_string("type");
    const auto* payload = r.optional_value("payload");
    q.payload = payload ? *payload : json::value(json::object{});
    q.priority = r.optional_enum("priority", parse_priority, priority_names);
    if (auto n = r.optional_int("max_attempts", 1, INT32_MAX))
      q.max_attempts = static_cast<int>(*n);
    q.max_retry_ms = r.optional_int("max_retry_ms", 0, max_retry_ms_limit);
    if (const auto* retry = r.optional_value("retry"))
      q.retry = read_retry_overrides(*retry, r.path_of("retry"));
    q.timeout_ms = r.optional_int("timeout_ms", 1);
    q.run_at = r.optional_time("run_at");
    q.run_in_ms = r.optional_int("run_in_ms", 0);
    if (q.run_at && q.run_in_ms) r.fail("run_in_ms", "cannot be combined with run_at");
    read_dependencies(r, q.dependencies);
    q.unique_key = r.optional_string("unique_key");
    q.unique_for_ms = r.optional_int("unique_for_ms", 0);
    q.tenant = r.optional_string("tenant").value_or("");
    q.tags = r.optional_strings("tags").value_or(std::vector<std::string>{});
    q.webhook_url = r.optional_string("webhook_url");
    q.webhook_events = read_statuses(r, "webhook_events");
    r.finish();
    return q;
  });
}

std::optional<error_code> parse_error_code(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i) {
    const auto code = static_cast<error_code>(i);
    if (to_string(code) == text) return code;
  }
  return std::nullopt;
}

json::value error_envelope(const error& e) {
  return json::object{
      {"error",
       json::object{{"code", to_string(e.code)}, {"message", e.message}, {"details", e.details}}}};
}

expected<remote_error> error_from_envelope(const json::value& v) {
  return decode<remote_error>([&] {
    json_reader outer(v, "$");
    json_reader r(outer.required_value("error"), "$.error");
    outer.finish();
    error e;
    const auto code_text = r.required_string("code");
    auto code = parse_error_code(code_text);
    if (!code) r.fail("code", "is not a known error code: \"" + code_text + "\"");
    e.code = *code;
    e.message = r.required_string("message");
    e.details = payload_or_null(r.optional_value("details"));
    r.finish();
    return remote_error{std::move(e)};
  });
}

}  // namespace jobforge

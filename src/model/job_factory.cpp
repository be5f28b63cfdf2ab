#include "model/job_factory.hpp"

#include "model/dedup.hpp"
#include "model/finite_json.hpp"
#include "model/utf8_text.hpp"
#include "model/webhook.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace jobforge {
namespace {

// Tags and keys are stored as they are (in columns of their own, which a
// PostgreSQL store keeps as text): UTF-8, and without the NUL character
// that a text column cannot hold.
constexpr const char* plain_text_rule = "must be UTF-8 text without NUL characters";

bool is_plain_text(std::string_view s) {
  return s.find('\0') == std::string_view::npos && is_valid_utf8(s);
}

error bad_field(const std::string& field, const std::string& why) {
  return error{error_code::invalid_argument, "'" + field + "' " + why,
               boost::json::object{{"field", field}}};
}

expected<void> check_request(const job_request& r, const job_id& id) {
  if (auto ok = require_finite(r.payload, "/payload"); !ok) return ok;
  if (r.max_attempts && *r.max_attempts < 1) return bad_field("max_attempts", "must be at least 1");
  if (r.max_retry_ms && (*r.max_retry_ms < 0 || *r.max_retry_ms > max_retry_ms_limit))
    return bad_field("max_retry_ms",
                     "must be within 0.." + std::to_string(max_retry_ms_limit) + " (0: no limit)");
  if (r.timeout_ms && *r.timeout_ms < 1) return bad_field("timeout_ms", "must be at least 1");
  if (r.run_in_ms && (*r.run_in_ms < 0 || *r.run_in_ms > max_delay_ms))
    return bad_field("run_in_ms", "must be within 0.." + std::to_string(max_delay_ms));
  if (r.run_in_ms && r.run_at) return bad_field("run_at", "cannot be combined with run_in_ms");
  if (r.unique_for_ms && *r.unique_for_ms < 0)
    return bad_field("unique_for_ms", "must not be negative");
  if (r.unique_key && r.unique_key->empty()) return bad_field("unique_key", "must not be empty");
  if (r.retry.initial_backoff_ms && *r.retry.initial_backoff_ms < 0)
    return bad_field("retry.initial_backoff_ms", "must not be negative");
  if (r.retry.max_backoff_ms && *r.retry.max_backoff_ms < 0)
    return bad_field("retry.max_backoff_ms", "must not be negative");
  if (r.retry.multiplier && !(std::isfinite(*r.retry.multiplier) && *r.retry.multiplier >= 1.0))
    return bad_field("retry.multiplier", "must be a finite number of at least 1");
  if (r.retry.jitter && !(*r.retry.jitter >= 0.0 && *r.retry.jitter <= 1.0))
    return bad_field("retry.jitter", "must be within 0..1");
  if (r.tags.size() > max_tags)
    return bad_field("tags", "may hold at most " + std::to_string(max_tags) + " tags");
  for (const auto& tag : r.tags) {
    if (tag.empty() || tag.size() > max_tag_length)
      return bad_field("tags",
                       "entries must be 1.." + std::to_string(max_tag_length) + " characters");
    if (!is_plain_text(tag)) return bad_field("tags", plain_text_rule);
  }
  if (r.unique_key && !is_plain_text(*r.unique_key))
    return bad_field("unique_key", plain_text_rule);
  if (r.webhook_url) {
    if (auto ok = check_webhook_url(*r.webhook_url, "webhook_url"); !ok) return ok;
  } else if (!r.webhook_events.empty()) {
    return bad_field("webhook_events", "needs a webhook_url");
  }
  const auto& parents = r.dependencies.depends_on;
  if (r.dependencies.timeout_ms > 0 && parents.empty())
    return bad_field("dependency_timeout_ms",
                     "needs depends_on: a job with no parents waits for none");
  if (parents.size() > max_parents)
    return bad_field("depends_on", "may name at most " + std::to_string(max_parents) + " parents");
  std::unordered_set<job_id> seen;
  for (const auto& p : parents) {
    if (p.is_nil()) return bad_field("depends_on", "contains the nil id");
    if (p == id) return bad_field("depends_on", "a job cannot depend on itself");
    if (!seen.insert(p).second) return bad_field("depends_on", "names " + to_string(p) + " twice");
  }
  return {};
}

}  // namespace

expected<job> build_job(const job_request& r, const job_type& type, const job_id& id,
                        timestamp now) {
  if (r.type != type.name)
    return bad_field("type", "is '" + r.type + "' but the job type is '" + type.name + "'");
  if (auto ok = check_request(r, id); !ok) return std::move(ok).error_value();
  if (r.run_at && (*r.run_at - now).count() > max_delay_ms)
    return bad_field("run_at", "must be at most 100 years ahead");

  const auto& d = type.defaults;
  job j;
  j.id = id;
  j.type = type.name;
  j.payload = r.payload;
  j.priority = r.priority.value_or(d.priority);
  j.max_attempts = resolve_max_attempts(d.max_attempts, r.max_attempts, type.bounds);
  j.retry = resolve_retry(d.retry, r.retry, type.bounds);
  j.max_retry_ms = resolve_max_retry_ms(d.max_retry_ms, r.max_retry_ms, type.bounds);
  j.timeout_ms = std::min(r.timeout_ms.value_or(d.timeout_ms), type.max_timeout_ms);
  if (r.run_at) j.run_at = *r.run_at;
  if (r.run_in_ms) j.run_at = now + milliseconds{*r.run_in_ms};
  j.dependencies = r.dependencies;
  auto key = dedup_key(type.name, r.payload, r.unique_key, d.dedup_by_payload);
  if (!key) return std::move(key).error_value();
  j.unique_key = std::move(*key);
  j.unique_for_ms = j.unique_key ? r.unique_for_ms.value_or(d.unique_for_ms) : 0;
  j.tenant = r.tenant.empty() ? default_tenant : r.tenant;
  j.tags = r.tags;
  j.webhook_url = r.webhook_url;
  j.webhook_events = r.webhook_events;
  j.created_at = now;
  j.updated_at = now;

  if (!j.dependencies.empty())
    j.status = job_status::blocked;
  else if (j.run_at && *j.run_at > now)
    j.status = job_status::scheduled;
  else
    j.status = job_status::pending;
  j.history.push_back(history_entry{now, std::nullopt, j.status, 0, std::nullopt, {}, "submitted"});
  return j;
}

}  // namespace jobforge

#include "model/retry_policy.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cmath>

namespace jobforge {

milliseconds backoff_base(const retry_settings& s, int attempt) {
  const std::int64_t cap_ms = std::max<std::int64_t>(s.max_backoff_ms, 0);
  const double cap = static_cast<double>(cap_ms);
  const double initial = static_cast<double>(std::max<std::int64_t>(s.initial_backoff_ms, 0));
  const int exponent = std::max(attempt, 1) - 1;
  // pow may overflow to inf for large attempts; min() then yields the cap.
  const double raw = initial * std::pow(std::max(s.multiplier, 1.0), exponent);
  // Compare in double, but return the cap itself: a cap near INT64_MAX
  // rounds up to 2^63 as a double, which no int64 can hold.
  if (!std::isfinite(raw) || raw >= cap) return milliseconds{cap_ms};
  return milliseconds{static_cast<std::int64_t>(raw)};
}

milliseconds next_delay(const retry_settings& s, int attempt, random_source& rng) {
  const std::int64_t base_ms = backoff_base(s, attempt).count();
  const double base = static_cast<double>(base_ms);
  const double jitter = std::isnan(s.jitter) ? 0.0 : std::clamp(s.jitter, 0.0, 1.0);
  const double delay = base * (1.0 - jitter * rng.uniform01());
  // Rounded into [ceil(base * (1 - jitter)), base] so both promised bounds hold.
  const double floor_ms = std::ceil(base * (1.0 - jitter));
  if (delay >= base) return milliseconds{base_ms};
  const double rounded = std::max(std::round(delay), floor_ms);
  if (rounded >= base) return milliseconds{base_ms};
  return milliseconds{static_cast<std::int64_t>(rounded)};
}

bool is_retryable(const retry_settings& s, const job_error& e) {
  if (e.kind == error_kind::permanent) return false;
  if (s.retry_on.empty()) return true;
  return std::find(s.retry_on.begin(), s.retry_on.end(), e.code) != s.retry_on.end();
}

retry_decision decide_retry(const retry_settings& s, int attempts, int max_attempts,
                            const job_error& e, random_source& rng) {
  if (attempts >= max_attempts || !is_retryable(s, e)) return {};
  // The other side's word beats the policy, within the longest backoff any
  // job may have, so a hostile Retry-After cannot park a job for a year.
  if (e.retry_after_ms)
    return {true, milliseconds{std::clamp<std::int64_t>(*e.retry_after_ms, 0,
                                                        retry_bounds{}.max_backoff_ms)}};
  return {true, next_delay(s, attempts, rng)};
}

retry_decision decide_retry(const retry_settings& s, int attempts, int max_attempts,
                            const job_error& e, random_source& rng, const retry_window& window) {
  auto d = decide_retry(s, attempts, max_attempts, e, rng);
  if (!d.retry || window.max_retry_ms <= 0) return d;
  if (window.elapsed.count() + d.delay.count() > window.max_retry_ms) {
    d.retry = false;
    d.out_of_time = true;
  }
  return d;
}

job_error retry_time_exhausted(const job_error& last, const retry_window& window,
                               milliseconds delay) {
  return job_error{
      "retry_time_exhausted",
      "the retry time ran out: max_retry_ms is " + std::to_string(window.max_retry_ms) + " ms, " +
          std::to_string(window.elapsed.count()) +
          " ms have passed since the first attempt started (or the replay) and the "
          "next retry would wait " +
          std::to_string(delay.count()) + " ms (last error: " + std::string(to_string(last.kind)) +
          " " + last.code + ": " + last.message + ")",
      last.kind};
}

retry_settings resolve_retry(const retry_settings& defaults, const retry_overrides& o,
                             const retry_bounds& b) {
  retry_settings r = defaults;
  if (o.initial_backoff_ms) r.initial_backoff_ms = *o.initial_backoff_ms;
  if (o.max_backoff_ms) r.max_backoff_ms = *o.max_backoff_ms;
  if (o.multiplier) r.multiplier = *o.multiplier;
  if (o.jitter) r.jitter = *o.jitter;
  if (o.retry_on) r.retry_on = *o.retry_on;
  r.max_backoff_ms = std::clamp(r.max_backoff_ms, b.min_initial_backoff_ms, b.max_backoff_ms);
  r.initial_backoff_ms =
      std::clamp(r.initial_backoff_ms, b.min_initial_backoff_ms, r.max_backoff_ms);
  r.multiplier =
      std::isfinite(r.multiplier) ? std::clamp(r.multiplier, 1.0, b.max_multiplier) : 1.0;
  r.jitter = std::isfinite(r.jitter) ? std::clamp(r.jitter, 0.0, 1.0) : 0.0;
  return r;
}

int resolve_max_attempts(int type_default, std::optional<int> requested, const retry_bounds& b) {
  return std::clamp(requested.value_or(type_default), 1, std::max(b.max_attempts, 1));
}

std::int64_t resolve_max_retry_ms(std::int64_t type_default, std::optional<std::int64_t> requested,
                                  const retry_bounds& b) {
  const std::int64_t wanted =
      std::clamp<std::int64_t>(requested.value_or(type_default), 0, max_retry_ms_limit);
  if (b.max_retry_ms <= 0) return wanted;
  return wanted == 0 ? b.max_retry_ms : std::min(wanted, b.max_retry_ms);
}

expected<void> validate_retry_defaults(const retry_settings& s, int max_attempts,
                                       const retry_bounds& b) {
  auto bad = [](std::string field, std::string why) {
    return error{error_code::invalid_argument, "retry default '" + field + "' " + why,
                 boost::json::object{{"field", field}}};
  };
  if (b.max_attempts < 1) return bad("bounds.max_attempts", "must be at least 1");
  if (max_attempts < 1 || max_attempts > b.max_attempts)
    return bad("max_attempts", "must be within 1.." + std::to_string(b.max_attempts));
  if (b.min_initial_backoff_ms < 0 || b.max_backoff_ms < b.min_initial_backoff_ms)
    return bad("bounds", "must satisfy 0 <= min_initial_backoff_ms <= max_backoff_ms");
  if (s.initial_backoff_ms < b.min_initial_backoff_ms || s.initial_backoff_ms > s.max_backoff_ms)
    return bad("initial_backoff_ms", "must be within min_initial_backoff_ms..max_backoff_ms");
  if (s.max_backoff_ms > b.max_backoff_ms)
    return bad("max_backoff_ms", "must not exceed the type's bound");
  if (!(s.multiplier >= 1.0 && s.multiplier <= b.max_multiplier))
    return bad("multiplier", "must be within 1..max_multiplier");
  if (!(s.jitter >= 0.0 && s.jitter <= 1.0)) return bad("jitter", "must be within 0..1");
  return {};
}

}  // namespace jobforge

#pragma once
/// Retry policy (SPEC §3, §5): exponential backoff with jitter, the
/// `retry_on` classification, max attempts, and per-job overrides clamped to
/// the job type's bounds.

#include "model/error.hpp"
#include "model/job_error.hpp"
#include "model/random_source.hpp"
#include "model/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

/// Backoff settings of one job.
struct retry_settings {
  std::int64_t initial_backoff_ms = 1'000;
  std::int64_t max_backoff_ms = 300'000;
  double multiplier = 2.0;
  double jitter = 0.2;                ///< 0..1: fraction of the delay that is randomised
  std::vector<std::string> retry_on;  ///< error codes that retry; empty = every retryable kind

  friend bool operator==(const retry_settings& a, const retry_settings& b) {
    return a.initial_backoff_ms == b.initial_backoff_ms && a.max_backoff_ms == b.max_backoff_ms &&
           a.multiplier == b.multiplier && a.jitter == b.jitter && a.retry_on == b.retry_on;
  }
};

/// A submission's requested changes to its type's retry settings.
struct retry_overrides {
  std::optional<std::int64_t> initial_backoff_ms;
  std::optional<std::int64_t> max_backoff_ms;
  std::optional<double> multiplier;
  std::optional<double> jitter;
  std::optional<std::vector<std::string>> retry_on;

  bool empty() const {
    return !initial_backoff_ms && !max_backoff_ms && !multiplier && !jitter && !retry_on;
  }
};

/// The limits a job type puts on per-job overrides.
struct retry_bounds {
  int max_attempts = 25;
  std::int64_t min_initial_backoff_ms = 10;
  std::int64_t max_backoff_ms = 3'600'000;
  double max_multiplier = 10.0;
  /// The longest max_retry_ms a job may ask for; 0 = the type puts no cap.
  std::int64_t max_retry_ms = 0;
};

/// The largest max_retry_ms anyone may give (100 years): time arithmetic
/// on it cannot overflow.
inline constexpr std::int64_t max_retry_ms_limit = 100LL * 366 * 24 * 3600 * 1000;

/// The delay before attempt `attempt + 1` without jitter:
/// min(max_backoff, initial * multiplier^(attempt-1)); `attempt` >= 1.
milliseconds backoff_base(const retry_settings& s, int attempt);

/// The jittered delay: uniform in [base * (1 - jitter), base], so the delay
/// never exceeds max_backoff and never falls below (1 - jitter) of the base.
milliseconds next_delay(const retry_settings& s, int attempt, random_source& rng);

/// Whether an error of this kind and code may be retried at all (permanent
/// errors never are; others only if `retry_on` is empty or names the code).
bool is_retryable(const retry_settings& s, const job_error& e);

/// What to do after a failed attempt.
struct retry_decision {
  bool retry = false;
  milliseconds delay{0};     ///< meaningful only when `retry`, or when `out_of_time`
  bool out_of_time = false;  ///< a retry was due but would end past max_retry_ms
};

/// How much of a job's total retry time is gone: `max_retry_ms` (0 = no
/// limit) and the time since its first attempt started (since its replay,
/// for a replayed job).
struct retry_window {
  std::int64_t max_retry_ms = 0;
  milliseconds elapsed{0};
};

/// Retry if the error is retryable and `attempts` < `max_attempts`.
retry_decision decide_retry(const retry_settings& s, int attempts, int max_attempts,
                            const job_error& e, random_source& rng);

/// decide_retry, then the total retry time: a retry whose backoff would end
/// past `window.max_retry_ms` (elapsed + delay > max) is not made; the
/// decision says `out_of_time` and keeps the delay it would have waited.
retry_decision decide_retry(const retry_settings& s, int attempts, int max_attempts,
                            const job_error& e, random_source& rng, const retry_window& window);

/// The error a job fails with when its retry time ran out: code
/// `retry_time_exhausted`, the last attempt's kind, and a message naming
/// the limit, the time gone, the backoff that did not fit and the last error.
job_error retry_time_exhausted(const job_error& last, const retry_window& window,
                               milliseconds delay);

/// Applies `overrides` on top of `defaults`, each clamped into the bounds
/// (backoffs into [min_initial, max], multiplier into [1, max_multiplier],
/// jitter into [0, 1], initial <= max).
retry_settings resolve_retry(const retry_settings& defaults, const retry_overrides& overrides,
                             const retry_bounds& bounds);

/// A requested max_attempts clamped into [1, bounds.max_attempts].
int resolve_max_attempts(int type_default, std::optional<int> requested,
                         const retry_bounds& bounds);

/// A requested max_retry_ms (0 = no limit; the type's default when absent)
/// within the type's cap: with `bounds.max_retry_ms` > 0, no limit and
/// anything longer become that cap.
std::int64_t resolve_max_retry_ms(std::int64_t type_default, std::optional<std::int64_t> requested,
                                  const retry_bounds& bounds);

/// Checks that settings are usable as a type's defaults within its bounds.
expected<void> validate_retry_defaults(const retry_settings& s, int max_attempts,
                                       const retry_bounds& bounds);

}  // namespace jobforge

#pragma once
/// The client's circuit breaker as a pure state machine: the caller passes
/// the time in, so tests step it with a made-up clock and never sleep.
///
///   closed --N consecutive failures--> open --cool-down passed, allow()--> half_open
///   half_open --the probe succeeds--> closed
///   half_open --the probe fails-----> open (the cool-down starts again)
///
/// While open every allow() is refused (the call fails fast); in half_open
/// exactly one caller, the probe, is let through until it reports.

#include <chrono>
#include <cstdint>
#include <string>

namespace jobforge::client {

/// Where the breaker stands.
enum class breaker_state { closed, open, half_open };

/// "closed", "open" or "half_open".
std::string to_string(breaker_state s);

/// When the breaker opens and how long it stays open.
struct breaker_settings {
  int failure_threshold = 5;                   ///< consecutive failures that open it (>= 1)
  std::chrono::milliseconds cool_down{5'000};  ///< open this long before one probe
};

/// What a caller may read about the breaker.
struct breaker_snapshot {
  breaker_state state = breaker_state::closed;
  int consecutive_failures = 0;
  std::uint64_t failures = 0;      ///< every failure recorded
  std::uint64_t successes = 0;     ///< every success recorded
  std::uint64_t times_opened = 0;  ///< closed or half_open -> open
  std::uint64_t rejected = 0;      ///< calls refused while open (failed fast)
  std::uint64_t probes = 0;        ///< half-open probes let through
  /// While open: how long until a probe may go (zero once it may).
  std::chrono::milliseconds retry_in{0};
};

/// The state machine; not thread-safe (the client guards it with a mutex).
class circuit_breaker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit circuit_breaker(breaker_settings settings = {});

  /// Whether a call may go now. Open past its cool-down, it turns half_open
  /// and lets this one call through as the probe; every other call is
  /// refused (and counted) until the probe reports.
  bool allow(time_point now);
  /// The call that was allowed reached the server.
  void record_success(time_point now);
  /// The call that was allowed failed (unreachable, or a 5xx).
  void record_failure(time_point now);
  /// A call that was allowed ended without telling whether the server is
  /// healthy (it was abandoned): a probe may go again.
  void record_abandoned();

  breaker_snapshot snapshot(time_point now) const;
  breaker_state state() const { return state_; }

 private:
  void open(time_point now);

  breaker_settings settings_;
  breaker_state state_ = breaker_state::closed;
  time_point opened_at_{};
  bool probe_in_flight_ = false;
  breaker_snapshot counts_;
};

}  // namespace jobforge::client

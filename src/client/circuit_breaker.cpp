#include "jobforge/circuit_breaker.hpp"

#include <algorithm>

namespace jobforge::client {

std::string to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
  }
  return "unknown";
}

circuit_breaker::circuit_breaker(breaker_settings settings) : settings_(settings) {
  settings_.failure_threshold = std::max(1, settings_.failure_threshold);
}

bool circuit_breaker::allow(time_point now) {
  switch (state_) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      if (now - opened_at_ < settings_.cool_down) {
        ++counts_.rejected;
        return false;
      }
      state_ = breaker_state::half_open;
      probe_in_flight_ = true;
      ++counts_.probes;
      return true;
    case breaker_state::half_open:
      if (probe_in_flight_) {
        ++counts_.rejected;
        return false;
      }
      probe_in_flight_ = true;
      ++counts_.probes;
      return true;
  }
  return false;
}

void circuit_breaker::record_success(time_point) {
  ++counts_.successes;
  counts_.consecutive_failures = 0;
  probe_in_flight_ = false;
  state_ = breaker_state::closed;
}

void circuit_breaker::record_failure(time_point now) {
  ++counts_.failures;
  ++counts_.consecutive_failures;
  if (state_ == breaker_state::half_open) {
    open(now);  // the probe failed: another full cool-down
  } else if (state_ == breaker_state::closed &&
             counts_.consecutive_failures >= settings_.failure_threshold) {
    open(now);
  }
  // Already open: a call let through before it opened failed late; the
  // cool-down keeps running from when it opened.
}

void circuit_breaker::record_abandoned() {
  probe_in_flight_ = false;
}

void circuit_breaker::open(time_point now) {
  state_ = breaker_state::open;
  opened_at_ = now;
  probe_in_flight_ = false;
  ++counts_.times_opened;
}

breaker_snapshot circuit_breaker::snapshot(time_point now) const {
  breaker_snapshot s = counts_;
  s.state = state_;
  if (state_ == breaker_state::open) {
    // Rounded up: zero only once allow() would let a probe through.
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(opened_at_ + settings_.cool_down - now);
    s.retry_in = std::max(left, std::chrono::milliseconds{0});
  }
  return s;
}

}  // namespace jobforge::client

#pragma once
/// A cooperative stop signal (C++17 has no std::stop_token): the runtime
/// requests a stop on cancellation, timeout or shutdown; handlers poll it or
/// wait on it.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

namespace jobforge {

/// Why a stop was requested.
enum class stop_reason { canceled, timeout, shutdown };

std::string_view to_string(stop_reason r);

namespace detail {
struct stop_state {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<stop_reason> reason;  // guarded by mutex
};
}  // namespace detail

/// The handler's side: has a stop been requested, and why.
class stop_token {
 public:
  stop_token() = default;
  bool stop_requested() const;
  std::optional<stop_reason> reason() const;
  /// Waits up to `d` for a stop; true if a stop was requested.
  bool wait_for(std::chrono::milliseconds d) const;

 private:
  friend class stop_source;
  explicit stop_token(std::shared_ptr<detail::stop_state> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::stop_state> state_;
};

/// The runtime's side: requests the stop. The first reason wins.
class stop_source {
 public:
  stop_source() : state_(std::make_shared<detail::stop_state>()) {}
  /// Returns false if a stop had already been requested.
  bool request_stop(stop_reason r);
  bool stop_requested() const { return token().stop_requested(); }
  stop_token token() const { return stop_token{state_}; }

 private:
  std::shared_ptr<detail::stop_state> state_;
};

}  // namespace jobforge

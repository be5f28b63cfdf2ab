#include "model/stop_token.hpp"

namespace jobforge {

std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::canceled:
      return "canceled";
    case stop_reason::timeout:
      return "timeout";
    case stop_reason::shutdown:
      return "shutdown";
  }
  return "canceled";
}

bool stop_token::stop_requested() const {
  return reason().has_value();
}

std::optional<stop_reason> stop_token::reason() const {
  if (!state_) return std::nullopt;
  std::lock_guard<std::mutex> guard(state_->mutex);
  return state_->reason;
}

bool stop_token::wait_for(std::chrono::milliseconds d) const {
  if (!state_) return false;
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, d, [this] { return state_->reason.has_value(); });
}

bool stop_source::request_stop(stop_reason r) {
  {
    std::lock_guard<std::mutex> guard(state_->mutex);
    if (state_->reason) return false;
    state_->reason = r;
  }
  state_->changed.notify_all();
  return true;
}

}  // namespace jobforge

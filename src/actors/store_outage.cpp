#include "actors/store_outage.hpp"

#include <boost/json/object.hpp>

namespace jobforge {

void store_outage::refused(std::string reason, std::size_t waiting_writes) {
  std::lock_guard lock(mutex_);
  if (!active_.load(std::memory_order_relaxed)) {
    report_ = report{};
    report_.since = std::chrono::steady_clock::now();
    outages_.fetch_add(1, std::memory_order_relaxed);
  }
  report_.reason = std::move(reason);
  report_.waiting_writes = waiting_writes;
  ++report_.tries;
  active_.store(true, std::memory_order_release);
}

void store_outage::ended() {
  if (!active()) return;
  std::lock_guard lock(mutex_);
  active_.store(false, std::memory_order_release);
}

std::optional<store_outage::report> store_outage::current() const {
  if (!active()) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!active_.load(std::memory_order_relaxed)) return std::nullopt;
  return report_;
}

expected<void> store_outage::writable() const {
  auto now = current();
  if (!now) return {};
  return error{error_code::unavailable,
               "the store takes no writes (" + now->reason +
                   "): nothing was changed; writes already accepted are kept and retried, "
                   "try again once it is back",
               boost::json::object{{"retry_after", 1}}};
}

}  // namespace jobforge

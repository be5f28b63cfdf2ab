#pragma once
/// Whether the store writer holds writes the store refused for a while (a
/// full or failing disk, a database that went away): set by the writer,
/// read by the scheduler (which refuses new submissions meanwhile), /ready
/// and /metrics. Thread-safe.

#include "model/error.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace jobforge {

class store_outage {
 public:
  struct report {
    std::string reason;                           ///< the store's last error
    std::chrono::steady_clock::time_point since;  ///< the first refused commit
    std::size_t waiting_writes = 0;               ///< kept to be written when it is back
    std::uint64_t tries = 0;                      ///< commits refused so far
  };

  /// A commit was refused; `waiting_writes` are kept for the next try.
  void refused(std::string reason, std::size_t waiting_writes);
  /// A commit went through: the outage (if any) is over.
  void ended();

  bool active() const noexcept { return active_.load(std::memory_order_acquire); }
  std::optional<report> current() const;
  /// Outages since start (for /metrics).
  std::uint64_t outages() const noexcept { return outages_.load(std::memory_order_relaxed); }

  /// `unavailable`, saying why, while an outage lasts: new work is refused
  /// at once instead of queueing behind writes the store cannot take.
  expected<void> writable() const;

 private:
  std::atomic<bool> active_{false};
  std::atomic<std::uint64_t> outages_{0};
  mutable std::mutex mutex_;  ///< guards report_
  report report_;
};

}  // namespace jobforge

#pragma once
/// Coordinators that share one PostgreSQL database (store postgres; see
/// docs/durability.md): each stands by until it holds the leader lease,
/// answering HTTP as a standby meanwhile, then leads while a keeper renews
/// the lease and steps down the moment it can no longer trust it.

#include "app/config.hpp"
#include "http/standby_server.hpp"
#include "model/leader_trust.hpp"
#include "store/postgres/leader_lease.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

namespace jobforge::app {

/// The exit status of a leader that stepped down (EX_TEMPFAIL): its service
/// manager starts it again, and it comes back as a standby.
inline constexpr int stepped_down_exit = 75;

/// What standing by ends with when this coordinator became the leader.
struct leadership {
  std::unique_ptr<leader_lease> lease;
  /// Still answering (as "taking over") while the leader recovers its jobs;
  /// stop it just before the gateway listens on its port.
  std::unique_ptr<standby_server> standby;
  int http_port = 0;  ///< the port the standby bound (the gateway takes it over)
  std::int64_t epoch = 0;
  std::chrono::steady_clock::time_point acquire_sent;  ///< when the winning request left
};

/// Stands by until this coordinator holds the lease. Answers the exit status
/// instead when a stop signal arrives first (0) or it cannot start (1).
std::variant<leadership, int> stand_by(const server_config& o, const sigset_t& stop_signals);

/// Renews the lease every `every` on a thread of its own, and a watchdog
/// calls `lost` (once) as soon as the lease can no longer be trusted: a
/// renewal was refused, or none succeeded for the lease minus its margin.
class lease_keeper {
 public:
  lease_keeper(leader_lease& lease, std::int64_t epoch,
               std::chrono::steady_clock::time_point acquire_sent, std::chrono::milliseconds every,
               std::function<void(const std::string& why)> lost);
  ~lease_keeper();  ///< stops
  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  /// Stops renewing (a graceful shutdown releases the lease next).
  void stop();

 private:
  void renew_loop();
  void watch_loop();
  void lose(const std::string& why);

  leader_lease& lease_;
  std::int64_t epoch_;
  std::chrono::milliseconds every_;
  std::function<void(const std::string&)> lost_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> lost_called_{false};
  leader_trust trust_;  ///< guarded by mutex_
  std::thread renewer_;
  std::thread watchdog_;
};

/// Logs why and leaves at once with stepped_down_exit: another coordinator
/// leads (or may any moment), so not one more row may be written from here.
[[noreturn]] void step_down(const std::string& why);

}  // namespace jobforge::app

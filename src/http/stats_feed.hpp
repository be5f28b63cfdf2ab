#pragma once
/// The `event: stats` of GET /api/events?stats=true, coalesced: once a
/// second at most, and only while some stream asked for them. A second in
/// which no job changed status sends nothing, except one every few seconds
/// so that a chart keeps moving. Built from the telemetry's rings and the
/// counts the scheduler and the store keep in memory: a stats event never
/// counts rows. Internal to src/http.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace jobforge {
class telemetry;
}

namespace jobforge::http {

class event_broadcaster;

class stats_feed {
 public:
  struct timing {
    std::chrono::milliseconds period{1'000};     ///< at most one event per period
    std::chrono::milliseconds heartbeat{5'000};  ///< one event at least this often
  };

  stats_feed(telemetry& figures, event_broadcaster& events, timing t);
  stats_feed(telemetry& figures, event_broadcaster& events)
      : stats_feed(figures, events, timing{}) {}
  ~stats_feed();
  stats_feed(const stats_feed&) = delete;
  stats_feed& operator=(const stats_feed&) = delete;

  /// Starts the thread that publishes (idempotent).
  void start();
  /// Stops and joins it (idempotent).
  void stop();

 private:
  void run();

  telemetry& figures_;
  event_broadcaster& events_;
  timing timing_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace jobforge::http

#include "http/stats_feed.hpp"

#include "http/event_stream.hpp"
#include "telemetry/telemetry.hpp"

#include <boost/json/serialize.hpp>

namespace jobforge::http {

stats_feed::stats_feed(telemetry& figures, event_broadcaster& events, timing t)
    : figures_(figures), events_(events), timing_(t) {}

stats_feed::~stats_feed() {
  stop();
}

void stats_feed::start() {
  std::lock_guard<std::mutex> guard(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void stats_feed::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void stats_feed::run() {
  using clock = std::chrono::steady_clock;
  std::uint64_t last_changes = figures_.changes();
  auto last_sent = clock::now() - timing_.heartbeat;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, timing_.period, [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    const auto changes = figures_.changes();
    const bool due = changes != last_changes || clock::now() - last_sent >= timing_.heartbeat;
    if (due && events_.wants_stats()) {
      events_.publish_stats(boost::json::serialize(figures_.live_json()));
      last_changes = changes;
      last_sent = clock::now();
    }
    lock.lock();
  }
}

}  // namespace jobforge::http

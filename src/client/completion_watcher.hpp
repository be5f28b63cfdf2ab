#pragma once
/// on_done(): one event stream (`GET /api/events`) shared by every job
/// awaited, on a thread of its own, reconnecting with Last-Event-ID; and a
/// dispatcher thread that reads a job once its `status` event says it ended
/// (and every awaited job after each (re)connection, which covers events
/// missed while the stream was down or older than the server's ring), then
/// calls its callbacks. Callbacks never run on the stream's thread, so a
/// slow one does not hold up the stream. Internal to src/client.

#include "client/transport.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace jobforge::client {

class completion_watcher {
 public:
  using reader = std::function<result<job>(const std::string&)>;
  completion_watcher(transport& t, reader read);
  ~completion_watcher();  ///< stops both threads
  completion_watcher(const completion_watcher&) = delete;
  completion_watcher& operator=(const completion_watcher&) = delete;

  void watch(const std::string& id, std::function<void(const job&)> fn);
  std::size_t awaiting() const;

 private:
  void stream_loop();
  void dispatch_loop();
  void on_event(const event& e);

  transport& transport_;
  reader read_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<std::function<void(const job&)>>> watchers_;
  std::set<std::string> to_check_;
  bool check_all_ = false;
  bool stopping_ = false;
  std::optional<std::uint64_t> last_event_id_;
  httplib::Client* live_stream_ = nullptr;  ///< to cut it off when stopping
  std::thread stream_thread_;
  std::thread dispatch_thread_;
};

}  // namespace jobforge::client

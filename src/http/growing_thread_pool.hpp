#pragma once
/// A pool for httplib's connections. httplib serves each connection on one thread of its pool until
/// the connection closes, and queues the others. Its ThreadPool has a fixed size, so a few hundred
/// clients that connect and send nothing (each holds a thread for the 5 s keep-alive wait) or send
/// their headers a byte at a time (each byte restarts the 5 s read timeout: held for ever) left
/// every other request queued behind them (issue 22). This pool starts `base` threads and another
/// whenever a connection arrives with none free, up to `cap`; past the cap connections queue as
/// before. Threads are joined at shutdown, which (as httplib's pool) first serves what is queued.

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace jobforge::http {

class growing_thread_pool final : public httplib::TaskQueue {
 public:
  growing_thread_pool(std::size_t base, std::size_t cap);
  ~growing_thread_pool() override = default;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void start_thread();  // with mutex_ held
  void work();

  const std::size_t cap_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;
  std::size_t idle_ = 0;  ///< threads waiting for a connection
  bool stopping_ = false;
};

}  // namespace jobforge::http

#pragma once
/// A real cpp-httplib server on 127.0.0.1 at a free port, serving on its own
/// thread from construction until the object goes, and a gate a route can
/// hold a response at until the test opens it.

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace jobforge::testing_support {

class http_test_server {
 public:
  /// Binds, lets `add_routes` register the routes (httplib's route tables
  /// may not change while it serves), then serves.
  explicit http_test_server(const std::function<void(httplib::Server&)>& add_routes) {
    server_.set_keep_alive_timeout(1);
    add_routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("http_test_server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] {
      server_.listen_after_bind();
      stopped_.set_value();
    });
    // The socket already listens, so the probe waits in the backlog until
    // the accept loop runs: once it is answered, stop() will work.
    httplib::Client probe("127.0.0.1", port_);
    probe.set_connection_timeout(5);
    probe.set_read_timeout(5);
    if (!probe.Get("/__ready")) {
      shut_down();
      throw std::runtime_error("http_test_server: the server did not answer");
    }
  }
  ~http_test_server() { shut_down(); }
  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:<port><path>".
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void shut_down() {
    // stop() is a no-op before the accept loop starts; retry (bounded) in
    // case the constructor's probe failed before it did.
    auto stopped = stopped_.get_future();
    for (int tries = 0; tries < 100; ++tries) {
      server_.stop();
      if (stopped.wait_for(std::chrono::milliseconds{100}) == std::future_status::ready) break;
    }
    thread_.join();
  }

  httplib::Server server_;
  int port_ = 0;
  std::promise<void> stopped_;
  std::thread thread_;
};

/// Holds a server route until opened; every wait is bounded.
class gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  /// True if opened within `limit`.
  bool wait_open(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

/// Opens a gate when it goes, so a server held at it can stop even when a
/// failed assertion leaves the test early. Declare it after the server.
class open_on_exit {
 public:
  explicit open_on_exit(gate& g) : gate_(g) {}
  ~open_on_exit() { gate_.open(); }
  open_on_exit(const open_on_exit&) = delete;
  open_on_exit& operator=(const open_on_exit&) = delete;

 private:
  gate& gate_;
};

}  // namespace jobforge::testing_support

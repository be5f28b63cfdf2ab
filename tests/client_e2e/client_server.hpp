#pragma once
/// Support for the client library's tests against the real server: a
/// `jobforge serve` on a port chosen by the test, so that it can be stopped
/// and started again at the same address, as a client sees a server go
/// away and come back.

#include "../e2e/served_jobforge.hpp"

#include "jobforge/client.hpp"

#include <csignal>
#include <memory>
#include <string>

namespace client_e2e {

using namespace std::chrono_literals;

/// `jobforge serve` on `port` with its SQLite data in `data_dir`.
class server_on_port {
 public:
  server_on_port(int port, std::string data_dir) : port_(port), data_dir_(std::move(data_dir)) {
    start();
  }

  void start() {
    process_ = std::make_unique<e2e::child_process>(std::vector<std::string>{
        JOBFORGE_BINARY, "serve", "--host", "127.0.0.1", "--port", std::to_string(port_),
        "--data-dir", data_dir_, "--executors", "2"});
    REQUIRE(process_->spawned());
    httplib::Client probe("127.0.0.1", port_);
    probe.set_connection_timeout(200ms);
    probe.set_read_timeout(1s);
    INFO(process_->log());
    REQUIRE(e2e::eventually(
        [&] {
          auto r = probe.Get("/health");
          return r && r->status == 200;
        },
        15s));
  }

  /// Gone at once, as after a crash.
  void kill() { process_->stop_with(SIGKILL, 5s); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_->log(); }

 private:
  int port_;
  std::string data_dir_;
  std::unique_ptr<e2e::child_process> process_;
};

/// Options for a test client of `url`: short timeouts, quick retries.
inline jobforge::client::options test_options(const std::string& url) {
  jobforge::client::options o;
  o.url = url;
  o.connect_timeout = 1s;
  o.read_timeout = 10s;
  o.initial_backoff = 20ms;
  o.max_backoff = 100ms;
  return o;
}

inline jobforge::client::submit_request request(std::string type, std::string payload) {
  jobforge::client::submit_request r;
  r.type = std::move(type);
  r.payload_json = std::move(payload);
  return r;
}

}  // namespace client_e2e

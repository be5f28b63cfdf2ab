// Slow and idle clients (issue 22), on real loopback sockets: a few hundred
// connections that never send a byte, or send their headers a byte at a
// time, must not keep a normal request from being served promptly. Every
// wait is bounded by a deadline; the slow clients' pace is the behaviour
// under test, not a wait for a timer.
#include "../support/demo_registry.hpp"
#include "http/http_server.hpp"
#include "runtime/runtime.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

/// Loopback sockets, closed on scope exit (before the server stops, so that
/// its workers see the end of their connections).
struct sockets {
  std::vector<int> fds;
  ~sockets() {
    for (int fd : fds)
      ::close(fd);
  }
  int open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    return fd;
  }
};

bool send_all(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

}  // namespace

TEST_CASE(
    "idle connections and clients that send headers a byte at a time do not starve a "
    "normal request",
    "[http][hostile][slow]") {
  runtime rt(test::demo_registry());
  http_server server(rt);  // the default options: the pool and timeouts a deployment gets
  auto started = server.start();
  REQUIRE(started.has_value());
  const int port = *started;

  constexpr int idle_count = 150;
  constexpr int slow_count = 150;
  sockets idle, slow;
  for (int i = 0; i < idle_count; ++i)
    idle.open(port);
  for (int i = 0; i < slow_count; ++i) {
    const int fd = slow.open(port);
    REQUIRE(send_all(fd, "GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  }

  // The slow clients go on sending one byte of a header value each, every
  // 100 ms, while the normal request is made (at most 20 s).
  std::atomic<bool> done{false};
  std::thread drip([&] {
    const auto deadline = steady_clock::now() + 20s;
    while (!done && steady_clock::now() < deadline) {
      for (int fd : slow.fds)
        (void)::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(100ms);
    }
  });

  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5s);
  c.set_read_timeout(5s);
  const auto start = steady_clock::now();
  auto health = c.Get("/health");
  auto list = c.Get("/api/jobs");
  const auto took = steady_clock::now() - start;
  done = true;
  drip.join();

  INFO("after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  INFO("health: " << (health ? "answered" : httplib::to_string(health.error())));
  REQUIRE(health);
  CHECK(health->status == 200);
  REQUIRE(list);
  CHECK(list->status == 200);
  // Well under the 5 s a worker waits for an idle connection's first byte.
  CHECK(took < 2s);
}

#include "app/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

using jobforge::app::notify_service_manager;

namespace {

/// A datagram socket standing in for systemd's notification socket, bound
/// to a path or (a leading '@') to an abstract name; NOTIFY_SOCKET names it.
class fake_service_manager {
 public:
  explicit fake_service_manager(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name_.data(), name_.size());
    if (name_[0] == '@') address.sun_path[0] = '\0';
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), size) == 0);
    timeval limit{5, 0};  // a missing datagram fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setenv("NOTIFY_SOCKET", name_.c_str(), 1);
  }
  ~fake_service_manager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    if (name_[0] != '@') ::unlink(name_.c_str());
  }
  fake_service_manager(const fake_service_manager&) = delete;
  fake_service_manager& operator=(const fake_service_manager&) = delete;

  /// The next datagram, or "" after 5 s.
  std::string received() {
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("readiness goes to the socket that NOTIFY_SOCKET names", "[service_notify]") {
  SECTION("a path") {
    fake_service_manager systemd("/tmp/jobforge-notify-" + std::to_string(::getpid()));
    CHECK(notify_service_manager("READY=1\nSTATUS=serving"));
    CHECK(systemd.received() == "READY=1\nSTATUS=serving");
  }
  SECTION("an abstract name") {
    fake_service_manager systemd("@jobforge-notify-" + std::to_string(::getpid()));
    CHECK(notify_service_manager("STOPPING=1"));
    CHECK(systemd.received() == "STOPPING=1");
  }
}

TEST_CASE("without NOTIFY_SOCKET, or with nobody listening, nothing is sent", "[service_notify]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(notify_service_manager("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
  CHECK_FALSE(notify_service_manager("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

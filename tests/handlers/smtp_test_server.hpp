#pragma once
/// A real SMTP server on loopback for the email.send tests: Debian's aiosmtpd
/// driven by smtp_test_server.py in a child process that lives exactly as
/// long as this object. Its events ("connect N HOST:PORT", "data") arrive on
/// a pipe, so a test waits for them with a timeout instead of sleeping.

#include "support/temp_dir.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace jobforge::testing_support {

#ifdef JOBFORGE_SMTP_TEST_SERVER
inline const char* smtp_test_server_script = JOBFORGE_SMTP_TEST_SERVER;
#else
inline const std::string smtp_test_server_script =
    (std::filesystem::path(__FILE__).parent_path() / "smtp_test_server.py").string();
#endif

/// A message the server accepted.
struct received_mail {
  std::string raw;  ///< the bytes after DATA, as received (dot-unstuffed)
  /// {"mail_from", "rcpt_tos", "message": Python's parse: headers, parts, defects}
  boost::json::object summary;
};

/// The child process serving SMTP; killed and reaped on destruction.
class smtp_test_server {
 public:
  /// Starts the server; `flags` go to the script (e.g. {"--rcpt-reply",
  /// "451 4.2.1 Busy"}). Throws if it reports no port within 10 s.
  explicit smtp_test_server(std::vector<std::string> flags = {}) {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    std::vector<std::string> args{"/usr/bin/python3", std::string(smtp_test_server_script), "--dir",
                                  dir_.path().string()};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = log_path();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    stdin_fd_ = to_child[1];
    stdout_fd_ = from_child[0];
    if (spawned != 0) pid_ = -1;
    const auto line = spawned == 0 ? next_line(std::chrono::seconds{10}) : std::nullopt;
    if (!line || line->rfind("port ", 0) != 0) {
      const std::string why = "the SMTP test server did not start: " + log_text();
      shut_down();  // no destructor runs after a constructor throws
      throw std::runtime_error(why);
    }
    port_ = std::stoi(line->substr(5));
  }

  ~smtp_test_server() { shut_down(); }
  smtp_test_server(const smtp_test_server&) = delete;
  smtp_test_server& operator=(const smtp_test_server&) = delete;

  int port() const { return port_; }

  /// Waits up to `timeout` for an event line starting with `prefix`,
  /// skipping others; true if it came.
  bool wait_for_event(const std::string& prefix, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      const auto line = next_line(std::max(left, std::chrono::milliseconds{0}));
      if (!line) return false;
      if (line->rfind(prefix, 0) == 0) return true;
    }
  }

  /// How many clients have connected so far. Connects a probe and waits for
  /// the server to report it: the server accepts in order, so every earlier
  /// connection has been counted by then.
  int connections_so_far() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(fd);
      throw std::runtime_error("could not connect a probe to the SMTP test server");
    }
    const std::string peer = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    int count = -1;
    while (count < 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      const auto line = next_line(std::max(left, std::chrono::milliseconds{0}));
      if (!line) break;
      std::istringstream words(*line);
      std::string event, from;
      int n = 0;
      if (words >> event >> n >> from && event == "connect" && from == peer) count = n - 1;
    }
    ::close(fd);
    if (count < 0) throw std::runtime_error("the SMTP test server did not report the probe");
    return count;
  }

  /// Every message accepted so far, in the order received.
  std::vector<received_mail> messages() const {
    std::vector<received_mail> out;
    for (int n = 1;; ++n) {
      const auto stem = dir_.path() / ("msg-" + std::to_string(n));
      std::ifstream summary(stem.string() + ".json", std::ios::binary);
      if (!summary) break;
      received_mail mail;
      mail.summary = boost::json::parse(read_all(summary)).as_object();
      std::ifstream raw(stem.string() + ".eml", std::ios::binary);
      mail.raw = read_all(raw);
      out.push_back(std::move(mail));
    }
    return out;
  }

  /// What the server wrote to its standard error, for a failing test's report.
  std::string log_text() const {
    std::ifstream in(log_path(), std::ios::binary);
    return read_all(in);
  }

 private:
  std::string log_path() const { return (dir_.path() / "server.log").string(); }

  void shut_down() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
  }

  static std::string read_all(std::istream& in) {
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The next line of the server's standard output, or nullopt after `timeout`.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;  // the server exited
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  temp_dir dir_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string buffer_;
};

}  // namespace jobforge::testing_support

#pragma once
/// The real `jobforge serve` as a child process on a free loopback port, with
/// an HTTP client for it. The child is killed when the guard goes away, so a
/// failing test never leaks it. Every wait is bounded by a deadline.

#include "../support/temp_dir.hpp"

#include <httplib.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace e2e {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// A port that was free on 127.0.0.1 a moment ago (the kernel picks it).
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  sockaddr* any = reinterpret_cast<sockaddr*>(&addr);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, any, sizeof addr) == 0 && ::getsockname(fd, any, &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

/// Polls `done` until it holds or `timeout` passes; a real process offers no
/// signal to wait on, so a short poll is the honest way here.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (!done()) {
    if (clock_type::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// A child process whose stdout and stderr go to a log file.
class child_process {
 public:
  /// `env`: KEY=VALUE entries added to this process's environment.
  explicit child_process(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}) {
    static int counter = 0;
    log_path_ =
        std::filesystem::temp_directory_path() /
        ("jobforge-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".log");
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    std::vector<char*> argv;
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
      envp.push_back(*e);
    for (const auto& e : env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, args[0].c_str(), &files, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&files);
    if (rc != 0) pid_ = -1;
  }

  ~child_process() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove(log_path_, ignored);
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool spawned() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// The wait status once it ended.
  std::optional<int> exit_status() {
    running();
    return status_;
  }

  /// Whether it still runs; reaps it (and keeps its status) once it ended.
  bool running() {
    if (pid_ <= 0 || status_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return !status_;
  }

  /// Sends `sig` and waits up to `timeout` for the exit; the wait status, or
  /// nullopt if it is still running.
  std::optional<int> stop_with(int sig, std::chrono::milliseconds timeout) {
    if (running()) ::kill(pid_, sig);
    eventually([&] { return !running(); }, timeout);
    return status_;
  }

  /// SIGSTOP, then waits until every thread is stopped. kill() returns
  /// before that: the kernel stops the group only once the thread it chose
  /// runs, and until then the others (an HTTP thread taking a request) go on.
  bool pause(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!running() || ::kill(pid_, SIGSTOP) != 0) return false;
    return eventually([&] { return every_thread_stopped(); }, timeout);
  }

  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  bool every_thread_stopped() const {
    const auto tasks = std::filesystem::path("/proc") / std::to_string(pid_) / "task";
    std::error_code error;
    bool any = false;
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
      std::ifstream in(task.path() / "stat");
      std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // "pid (comm) S ...": the state follows the last ')' (comm may hold one).
      const auto close = stat.rfind(')');
      if (close == std::string::npos || close + 2 >= stat.size()) return false;
      const char state = stat[close + 2];
      if (state != 'T' && state != 't') return false;
      any = true;
    }
    return any && !error;
  }

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_path_;
};

/// An answer: the HTTP status and the parsed JSON body (null when empty).
struct reply {
  int status = 0;
  boost::json::value body;

  const boost::json::object& object() const { return body.as_object(); }
  /// The error code of an envelope, or "" when the body is not one.
  std::string error_code() const {
    const auto* e = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    return e && e->is_object() ? std::string(e->at("code").as_string()) : std::string();
  }
};

using temp_dir = jobforge::testing_support::temp_dir;

/// `jobforge serve` on a free loopback port, healthy, with a client. Its
/// SQLite database lives in `data_dir`, or in a temp folder of its own.
class served_jobforge {
 public:
  explicit served_jobforge(std::vector<std::string> extra_args = {},
                           std::optional<std::string> data_dir = std::nullopt,
                           std::vector<std::string> env = {}) {
    if (!data_dir) {
      own_data_ = std::make_unique<temp_dir>();
      data_dir = own_data_->path().string();
    }
    data_dir_ = *data_dir;
    extra_args.insert(extra_args.begin(), {"--data-dir", data_dir_});
    // The free port may be taken again before the child binds it: retry then.
    for (int attempt = 0; attempt < 3 && !client_; ++attempt) {
      port_ = free_loopback_port();
      std::vector<std::string> args{JOBFORGE_BINARY, "serve",  "--host",
                                    "127.0.0.1",     "--port", std::to_string(port_)};
      if (std::find(extra_args.begin(), extra_args.end(), "--executors") == extra_args.end())
        args.insert(args.end(), {"--executors", "4"});
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      process_ = std::make_unique<child_process>(args, env);
      REQUIRE(process_->spawned());
      if (wait_healthy()) {
        client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
        client_->set_connection_timeout(2s);
        client_->set_read_timeout(30s);
      }
    }
    INFO("jobforge log:\n" << (process_ ? process_->log() : std::string()));
    REQUIRE(client_);
  }

  child_process& process() { return *process_; }
  const std::string& data_dir() const { return data_dir_; }
  int port() const { return port_; }

  reply get(const std::string& path) { return parse(client_->Get(path.c_str())); }
  /// The raw answer, for bodies that are not JSON (downloads).
  httplib::Result get_raw(const std::string& path) { return client_->Get(path.c_str()); }
  /// Posts `body` as it is (to send malformed JSON, or nothing).
  reply post_text(const std::string& path, const std::string& body) {
    return parse(client_->Post(path.c_str(), body, "application/json"));
  }
  reply post(const std::string& path, const boost::json::value& body) {
    return post_text(path, boost::json::serialize(body));
  }
  reply del(const std::string& path) { return parse(client_->Delete(path.c_str())); }

 private:
  bool wait_healthy() {
    httplib::Client probe("127.0.0.1", port_);
    probe.set_connection_timeout(200ms);
    probe.set_read_timeout(1s);
    return eventually(
               [&] {
                 if (!process_->running()) return true;  // gave up: bind failed or crashed
                 auto r = probe.Get("/health");
                 return r && r->status == 200;
               },
               10s) &&
           process_->running();
  }

  static reply parse(const httplib::Result& r) {
    INFO("transport error: " << (r ? std::string("none") : httplib::to_string(r.error())));
    REQUIRE(r);
    reply out{r->status, nullptr};
    if (!r->body.empty()) {
      boost::json::error_code ec;
      out.body = boost::json::parse(r->body, ec);
      INFO("body: " << r->body);
      REQUIRE_FALSE(ec);
    }
    return out;
  }

  std::unique_ptr<temp_dir> own_data_;
  std::string data_dir_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
  std::unique_ptr<httplib::Client> client_;
};

/// Waits (bounded by `timeout`) for a process to end and answers its exit
/// code; fails the test if it did not start, did not end or was killed.
inline int run_to_end(child_process& p, std::chrono::milliseconds timeout = 10s) {
  REQUIRE(p.spawned());
  REQUIRE(eventually([&] { return !p.running(); }, timeout));
  REQUIRE(p.exit_status());
  REQUIRE(WIFEXITED(*p.exit_status()));
  return WEXITSTATUS(*p.exit_status());
}

inline std::string id_of(const reply& r) {
  return std::string(r.object().at("id").as_string());
}

inline std::string status_of(const reply& r) {
  return std::string(r.object().at("status").as_string());
}

/// Submits and checks the 201.
inline std::string submit(served_jobforge& jf, const boost::json::value& request) {
  auto r = jf.post("/api/jobs", request);
  INFO("submit answered " << r.status << ": " << boost::json::serialize(r.body));
  REQUIRE(r.status == 201);
  return id_of(r);
}

inline boost::json::value sleep_job(int ms) {
  return boost::json::object{{"type", "sleep"}, {"payload", {{"ms", ms}}}};
}

}  // namespace e2e

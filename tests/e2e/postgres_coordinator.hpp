#pragma once
/// Coordinators on store postgres for the failover tests: the real
/// `jobforge serve --store postgres` as a child process that can be killed,
/// stopped and started again on the same port and data folder (as a service
/// manager would), a client that never fails the test on a transport error
/// (a killed or stopped leader is the point of these tests), and a
/// PostgreSQL server of a test's own that it can restart.

#include "served_jobforge.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

/// How a postgres-backed coordinator is started.
struct coordinator_options {
  std::int64_t lease_ms = 1000;  ///< short, so that takeovers are quick
  std::int64_t renew_ms = 200;
  int executors = 4;
  std::vector<std::string> extra_args;  ///< more `serve` flags
};

/// An answer with its headers; status 0 when the request did not get one.
struct full_reply {
  int status = 0;
  boost::json::value body;
  httplib::Headers headers;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  /// The error envelope's `error` object (empty when the body is not one).
  boost::json::object error() const {
    const auto* e = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    return e && e->is_object() ? e->as_object() : boost::json::object{};
  }
};

/// `jobforge serve --store postgres` on `database_url`, on a loopback port of
/// its own that it keeps across restarts.
class postgres_coordinator {
 public:
  postgres_coordinator(std::string database_url, coordinator_options options = {})
      : database_url_(std::move(database_url)), options_(std::move(options)) {
    // The free port may be taken again before the child binds it: retry then.
    for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
      port_ = free_loopback_port();
      started_ = start_process();
    }
    INFO("jobforge log:\n" << log());
    REQUIRE(started_);
  }

  /// Starts it again after it ended (same port, data folder and settings)
  /// and waits until it answers /health.
  void restart() {
    REQUIRE_FALSE(process_->running());
    logs_ += process_->log();
    INFO("jobforge log:\n" << log());
    REQUIRE(start_process());
  }

  child_process& process() { return *process_; }
  int port() const { return port_; }
  /// The URL it advertises (its standbys send clients there).
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// The logs of every run so far, this one last.
  std::string log() const { return logs_ + (process_ ? process_->log() : std::string()); }

  /// One request; a transport error answers status 0 instead of failing.
  full_reply request(const std::string& method, const std::string& path,
                     const std::string& body = {},
                     std::chrono::milliseconds timeout = std::chrono::milliseconds{3000}) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::milliseconds{500});
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    httplib::Result r = method == "GET"    ? client.Get(path.c_str())
                        : method == "POST" ? client.Post(path.c_str(), body, "application/json")
                                           : client.Delete(path.c_str());
    full_reply out;
    if (!r) return out;
    out.status = r->status;
    out.headers = r->headers;
    boost::json::error_code ec;
    if (!r->body.empty()) out.body = boost::json::parse(r->body, ec);
    if (ec) out.body = boost::json::string(r->body);
    return out;
  }

  full_reply get(const std::string& path) { return request("GET", path); }
  full_reply post(const std::string& path, const boost::json::value& body) {
    return request("POST", path, boost::json::serialize(body));
  }

  /// /ready's status (0: no answer).
  int ready_status() {
    return request("GET", "/ready", {}, std::chrono::milliseconds{1000}).status;
  }
  /// The role /health names ("" when it does not answer).
  std::string role() {
    auto r = request("GET", "/health", {}, std::chrono::milliseconds{1000});
    if (r.status != 200 || !r.body.is_object()) return "";
    const auto* role = r.body.as_object().if_contains("role");
    return role && role->is_string() ? std::string(role->as_string()) : "leader";
  }
  /// Waits (bounded) until /ready answers 200.
  bool wait_ready(std::chrono::milliseconds timeout) {
    return eventually([&] { return ready_status() == 200; }, timeout);
  }

  /// Submits and answers the job's id; fails the test unless it is a 201.
  std::string submit(const boost::json::value& job) {
    auto r = post("/api/jobs", job);
    INFO("submit answered " << r.status << ": " << boost::json::serialize(r.body));
    REQUIRE(r.status == 201);
    return std::string(r.body.at("id").as_string());
  }

  /// The job as the leader answers it; fails the test unless it is a 200.
  boost::json::object job(const std::string& id) {
    auto r = get("/api/jobs/" + id);
    INFO("GET job " << id << " answered " << r.status << ": " << boost::json::serialize(r.body));
    REQUIRE(r.status == 200);
    return r.body.as_object();
  }

  /// The job's status, or "" when it cannot be read now.
  std::string status_of(const std::string& id) {
    auto r = get("/api/jobs/" + id);
    if (r.status != 200) return "";
    return std::string(r.body.at("status").as_string());
  }

 private:
  bool start_process() {
    std::vector<std::string> args{JOBFORGE_BINARY, "serve",
                                  "--store",       "postgres",
                                  "--host",        "127.0.0.1",
                                  "--port",        std::to_string(port_),
                                  "--data-dir",    data_.path().string(),
                                  "--executors",   std::to_string(options_.executors)};
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    process_ = std::make_unique<child_process>(
        args, std::vector<std::string>{
                  "JOBFORGE_POSTGRES_URL=" + database_url_,
                  "JOBFORGE_POSTGRES_LEASE_MS=" + std::to_string(options_.lease_ms),
                  "JOBFORGE_POSTGRES_RENEW_MS=" + std::to_string(options_.renew_ms)});
    REQUIRE(process_->spawned());
    // A standby answers /health as soon as it listens; so does a leader.
    return eventually(
               [&] {
                 if (!process_->running()) return true;  // gave up: bind failed or crashed
                 return !role().empty();
               },
               std::chrono::milliseconds{10'000}) &&
           process_->running();
  }

  std::string database_url_;
  coordinator_options options_;
  temp_dir data_;
  int port_ = 0;
  bool started_ = false;
  std::string logs_;  ///< of the runs before this one
  std::unique_ptr<child_process> process_;
};

/// Waits (bounded) until one of `coordinators` is ready: its index, or -1.
inline int wait_for_leader(const std::vector<postgres_coordinator*>& coordinators,
                           std::chrono::milliseconds timeout) {
  int leader = -1;
  eventually(
      [&] {
        for (std::size_t i = 0; i < coordinators.size(); ++i)
          if (coordinators[i]->process().running() && coordinators[i]->ready_status() == 200) {
            leader = static_cast<int>(i);
            return true;
          }
        return false;
      },
      timeout);
  return leader;
}

/// The newest PostgreSQL's programs (initdb, pg_ctl), as scripts/pg-test-server finds them.
inline std::filesystem::path postgres_bin() {
  std::filesystem::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto name = entry.path().filename().string();
    const int version = std::atoi(name.c_str());
    if (version > best_version && std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  return best;
}

/// A PostgreSQL server of one test's own (scripts/pg-test-server), which the
/// test may restart or crash; stopped and removed when this goes.
class own_postgres_server {
 public:
  own_postgres_server() {
    static int made = 0;
    // Straight under /tmp: the `postgres` user must reach it, and a unix
    // socket path has room for 107 bytes only.
    dir_ = "/tmp/jf-pg-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
    REQUIRE(run({JOBFORGE_SOURCE_DIR "/scripts/pg-test-server", "start", dir_}, 60'000) == 0);
  }
  ~own_postgres_server() {
    child_process stop({JOBFORGE_SOURCE_DIR "/scripts/pg-test-server", "stop", dir_});
    eventually([&] { return !stop.running(); }, std::chrono::milliseconds{30'000});
    std::error_code ignored;
    std::filesystem::remove(dir_ + ".lock", ignored);
  }
  own_postgres_server(const own_postgres_server&) = delete;
  own_postgres_server& operator=(const own_postgres_server&) = delete;

  /// The connection string of its `postgres` database.
  std::string url() const { return "host=" + dir_ + " user=postgres dbname=postgres"; }
  const std::string& dir() const { return dir_; }

  /// `pg_ctl restart` with the options it was started with (kept in
  /// postmaster.opts); `mode` is pg_ctl's shutdown mode (fast: sessions
  /// are ended; immediate: like a crash). Answers pg_ctl's exit code.
  int restart(const std::string& mode) {
    return run(as_owner({(postgres_bin() / "pg_ctl").string(), "-D", dir_ + "/data", "-l",
                         dir_ + "/server.log", "-m", mode, "-w", "-t", "60", "restart"}),
               60'000);
  }

  /// `pg_ctl stop` (`mode` as for restart()): pg_ctl's exit code.
  int stop(const std::string& mode) {
    return run(as_owner({(postgres_bin() / "pg_ctl").string(), "-D", dir_ + "/data", "-m", mode,
                         "-w", "-t", "60", "stop"}),
               60'000);
  }

  /// Starts it again after stop(): the script's exit code.
  int start() {
    return run({JOBFORGE_SOURCE_DIR "/scripts/pg-test-server", "start", dir_}, 60'000);
  }

 private:
  /// As the `postgres` user when root (the server refuses to run as root).
  static std::vector<std::string> as_owner(std::vector<std::string> args) {
    if (::geteuid() == 0) args.insert(args.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    return args;
  }
  static int run(const std::vector<std::string>& args, int timeout_ms) {
    child_process p(args);
    const int code = run_to_end(p, std::chrono::milliseconds{timeout_ms});
    if (code != 0) UNSCOPED_INFO(args[0] << " exited with " << code << ":\n" << p.log());
    return code;
  }

  std::string dir_;
};

}  // namespace e2e

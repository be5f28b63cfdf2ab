// http_load: a load generator for `jobforge serve`, over HTTP only (loopback).
// It starts the real server itself (--spawn PATH) or uses a running one
// (--url http://127.0.0.1:PORT), then measures, in phases (--only NAME):
//   submit  N noop jobs, one per request from C keep-alive connections, until
//           all are completed; then submit->complete of every 100th job
//   batch   N noop jobs through POST /api/jobs/batch, B per request
//   idle    2,000 jobs paced at 200/s from one connection: submit->start
//           (from each job's history) and submit->complete
// Every loop is bounded; a watchdog exits with status 3 when a phase runs
// past 300 s. Exit status 1 if any submission failed.

#include <httplib.h>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto phase_cap = 300s;
constexpr auto completion_limit = 280s;  // under the cap: a stuck drain says so itself
const std::string noop_job = R"({"type":"noop","payload":{}})";

struct options {
  long jobs, batch;
  int connections;
  std::string only, spawn, url;
};

int g_port = 0;  // on 127.0.0.1
// The spawned server and its temp dir, global so that the watchdog can clean up.
std::atomic<pid_t> g_server{-1};
std::string g_temp_dir;

void kill_server_and_remove_dir() {
  if (const pid_t pid = g_server.exchange(-1); pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::error_code ignored;
  if (!g_temp_dir.empty()) std::filesystem::remove_all(g_temp_dir, ignored);
}

// ---- The watchdog: each phase gets phase_cap, then the process exits 3.
// Atomics only, so the detached thread never touches a destroyed object.
std::atomic<const char*> g_phase{"start-up"};
std::atomic<steady::rep> g_phase_start{steady::now().time_since_epoch().count()};

void enter_phase(const char* name) {
  g_phase = name;
  g_phase_start = steady::now().time_since_epoch().count();
}

[[noreturn]] void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(1s);
    if (steady::now() - steady::time_point{steady::duration{g_phase_start}} <= phase_cap) continue;
    std::printf("TIMEOUT: phase \"%s\" ran past 300 s\n", g_phase.load());
    std::fflush(stdout);
    kill_server_and_remove_dir();
    std::_Exit(3);
  }
}

// ---- HTTP errors: counted; the first few are printed with their body.
std::atomic<long> g_submit_failures{0}, g_other_failures{0}, g_printed{0};

bool check(const httplib::Result& r, int expected, bool submission, const char* what) {
  if (r && r->status == expected) return true;
  (submission ? g_submit_failures : g_other_failures)++;
  if (g_printed++ < 5)
    std::printf("HTTP error: %s -> %s\n", what,
                r ? (std::to_string(r->status) + ": " + r->body.substr(0, 300)).c_str()
                  : ("transport error " + httplib::to_string(r.error())).c_str());
  return false;
}

std::unique_ptr<httplib::Client> make_client() {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", g_port);
  c->set_keep_alive(true);
  // As curl and most HTTP clients do: httplib writes the headers and the body
  // separately, and Nagle would hold the body until the server's delayed ACK.
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(2s);
  // Generous: with more connections than server threads, a request may wait
  // in the server's queue until a thread frees up.
  c->set_read_timeout(60s);
  c->set_write_timeout(60s);
  return c;
}

json::value parse_or_null(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

/// A string field of a JSON object ("" when absent or not a string).
std::string field_of(const json::value& v, const char* key) {
  const auto* f = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

/// Unix milliseconds of "YYYY-MM-DDTHH:MM:SS.mmmZ" (what the server writes), or -1.
long long unix_ms(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  const char* rest = s.size() == 24 ? ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) : nullptr;
  if (!rest || std::sscanf(rest, ".%3dZ", &ms) != 1) return -1;
  return static_cast<long long>(::timegm(&tm)) * 1000 + ms;
}

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// "p50 1.20 ms, p99 3.40 ms, max ... (n=...)" over `v` without its NaNs, nearest rank.
std::string percentiles(std::vector<double> v, std::initializer_list<double> ps) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return "no samples";
  std::sort(v.begin(), v.end());
  std::string out;
  char buf[64];
  for (double p : ps) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(v.size())));
    std::snprintf(buf, sizeof buf, "p%g %.2f ms, ", p,
                  v[std::clamp<std::size_t>(rank, 1, v.size()) - 1]);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "max %.2f ms (n=%zu)", v.back(), v.size());
  return out + buf;
}

// ---- CPU per phase, the server's (when spawned) and ours: on a small
// machine the generator competes with the server for the same cores.
struct cpu_mark {
  steady::time_point at = steady::now();
  double server = 0, self = 0;  // seconds, user + sys
  long server_switches = 0;     // context switches of every server thread alive now
};

// The context switches, voluntary or not, of every thread of process `pid`.
long context_switches(pid_t pid) {
  long total = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line))
      if (line.find("ctxt_switches:") != std::string::npos)
        total += std::strtol(line.c_str() + line.find(':') + 1, nullptr, 10);
  }
  return total;
}

cpu_mark cpu_now() {
  cpu_mark m;
  std::ifstream in("/proc/" + std::to_string(g_server.load()) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), {});
  unsigned long user = 0, sys = 0;  // fields 14 and 15, after the command name
  if (const auto paren = stat.rfind(')'); paren != std::string::npos)
    std::sscanf(stat.c_str() + paren + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                &user, &sys);
  m.server = static_cast<double>(user + sys) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  if (g_server.load() > 0) m.server_switches = context_switches(g_server.load());
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  m.self = static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  return m;
}

/// The phase's CPU, and the server's CPU and context switches per job: on a
/// 2-core VM, thread hand-offs were most of the server's cost.
void print_cpu(const cpu_mark& from, long jobs) {
  const cpu_mark to = cpu_now();
  const double wall = seconds_between(from.at, to.at);
  std::printf("  CPU over %.1f s: server %.2f cores, http_load %.2f cores\n", wall,
              (to.server - from.server) / wall, (to.self - from.self) / wall);
  if (g_server.load() > 0 && jobs > 0)
    std::printf(
        "  server per job: %.0f us of CPU, %.1f context switches\n",
        (to.server - from.server) * 1e6 / static_cast<double>(jobs),
        static_cast<double>(to.server_switches - from.server_switches) / static_cast<double>(jobs));
}

/// Polls for unfinished jobs every 20 ms until there are none: the instant
/// the list was seen empty, or nullopt after completion_limit.
std::optional<steady::time_point> wait_all_completed(httplib::Client& c) {
  for (const auto deadline = steady::now() + completion_limit; steady::now() < deadline;) {
    auto r = c.Get("/api/jobs?status=scheduled,blocked,pending,running,retrying&limit=1");
    if (check(r, 200, false, "GET unfinished jobs")) {
      const auto body = parse_or_null(r->body);
      const auto* items = body.is_object() ? body.get_object().if_contains("items") : nullptr;
      if (items && items->is_array() && items->get_array().empty()) return steady::now();
    }
    std::this_thread::sleep_for(20ms);
  }
  std::printf("  not all jobs completed within 280 s\n");
  return std::nullopt;
}

/// Sends `requests` requests from `connections` threads, each with its own
/// keep-alive client (request k on connection k % connections);
/// `send(client, k)` answers whether it succeeded.
struct fan_out_result {
  std::vector<double> latency_ms;
  steady::time_point start, last_ok;  // last_ok: when the last success answered
};

template <class Send>
fan_out_result fan_out(long requests, int connections, Send send) {
  std::vector<fan_out_result> per(static_cast<std::size_t>(connections));
  fan_out_result all;
  all.start = all.last_ok = steady::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i)
    threads.emplace_back([&, i] {
      auto& mine = per[static_cast<std::size_t>(i)];
      auto client = make_client();
      for (long k = i; k < requests; k += connections) {
        const auto a = steady::now();
        const bool ok = send(*client, k);
        const auto b = steady::now();
        mine.latency_ms.push_back(seconds_between(a, b) * 1000);
        if (ok) mine.last_ok = b;
      }
    });
  for (auto& t : threads)
    t.join();
  for (const auto& p : per) {
    all.latency_ms.insert(all.latency_ms.end(), p.latency_ms.begin(), p.latency_ms.end());
    all.last_ok = std::max(all.last_ok, p.last_ok);
  }
  return all;
}

/// Waits for the drain, then prints both rates from the fan-out's start.
void print_rates(const char* what, long jobs, const fan_out_result& run, httplib::Client& poller) {
  const auto completed = wait_all_completed(poller);
  const double s = seconds_between(run.start, run.last_ok);
  std::printf("  %s: %ld jobs submitted in %.2f s = %.0f jobs/s\n", what, jobs, s, jobs / s);
  if (!completed) return;
  const double c = seconds_between(run.start, *completed);
  std::printf("  %s: all completed after %.2f s = %.0f jobs/s\n", what, c, jobs / c);
}

/// Per finished job, in ms (NaN when unknown; 1 ms resolution): submit->start
/// (the history's first `running` entry - created_at, only `with_start`) and
/// submit->complete (finished_at - created_at). Over 8 connections, since the
/// server often answers only after ~40 ms: it writes headers and body apart
/// without TCP_NODELAY, so the body waits for our delayed ACK.
std::pair<std::vector<double>, std::vector<double>> measure(const std::vector<std::string>& ids,
                                                            bool with_start) {
  std::vector<double> start(ids.size(), NAN), complete(ids.size(), NAN);
  fan_out(static_cast<long>(ids.size()), 8, [&](httplib::Client& c, long k) {
    const auto i = static_cast<std::size_t>(k);
    if (ids[i].empty()) return false;
    auto r = c.Get(("/api/jobs/" + ids[i]).c_str());
    if (!check(r, 200, false, "GET /api/jobs/{id}")) return false;
    const auto job = parse_or_null(r->body);
    const long long created = unix_ms(field_of(job, "created_at"));
    const long long finished = unix_ms(field_of(job, "finished_at"));
    if (created < 0) return false;
    if (finished >= 0) complete[i] = static_cast<double>(finished - created);
    if (!with_start) return true;
    r = c.Get(("/api/jobs/" + ids[i] + "/history").c_str());
    if (!check(r, 200, false, "GET /api/jobs/{id}/history")) return false;
    const auto body = parse_or_null(r->body);
    const auto* history = body.is_object() ? body.get_object().if_contains("history") : nullptr;
    if (!history || !history->is_array()) return false;
    for (const auto& e : history->get_array())
      if (field_of(e, "to") == "running") {  // the first attempt's start
        if (const long long at = unix_ms(field_of(e, "at")); at >= 0)
          start[i] = static_cast<double>(at - created);
        break;
      }
    return true;
  });
  return {start, complete};
}

// ---- Phases 1 and 2: one job per request, then submit->complete of a sample.
void run_submit(const options& o) {
  enter_phase("submit+complete");
  std::printf("submit+complete: %ld noop jobs, one per POST /api/jobs, %d connections\n", o.jobs,
              o.connections);
  const cpu_mark cpu = cpu_now();
  // Every 100th job's id, each slot written by one thread only.
  std::vector<std::string> sampled(static_cast<std::size_t>((o.jobs + 99) / 100));
  std::atomic<long> created{0};
  const auto run = fan_out(o.jobs, o.connections, [&](httplib::Client& c, long k) {
    auto r = c.Post("/api/jobs", noop_job, "application/json");
    if (!check(r, 201, true, "POST /api/jobs")) return false;
    ++created;
    // Only the sampled bodies are parsed: the generator shares the server's cores.
    if (k % 100 == 0)
      sampled[static_cast<std::size_t>(k / 100)] = field_of(parse_or_null(r->body), "id");
    return true;
  });
  auto poller = make_client();
  print_rates("submit+complete", created.load(), run, *poller);
  std::printf("  submit latency per request: %s\n",
              percentiles(run.latency_ms, {50, 99, 99.9}).c_str());
  print_cpu(cpu, created.load());

  enter_phase("submit->complete latency");
  std::printf("submit->complete latency (every 100th job, finished_at - created_at): %s\n",
              percentiles(measure(sampled, false).second, {50, 99}).c_str());
}

// ---- Phase 3: POST /api/jobs/batch, B jobs per request.
void run_batch(const options& o) {
  enter_phase("batch");
  const long requests = (o.jobs + o.batch - 1) / o.batch;
  const long last_size = o.jobs - (requests - 1) * o.batch;
  std::printf("batch: %ld noop jobs, %ld per POST /api/jobs/batch (%ld requests), %d connections\n",
              o.jobs, o.batch, requests, o.connections);
  auto body_of = [](long n) {
    std::string body = R"({"jobs":[)";
    for (long i = 0; i < n; ++i)
      body += (i ? "," : "") + noop_job;
    return body + "]}";
  };
  const std::string full = body_of(o.batch), last = body_of(last_size);
  const cpu_mark cpu = cpu_now();
  std::atomic<long> created{0};
  const auto run = fan_out(requests, o.connections, [&](httplib::Client& c, long k) {
    const bool is_last = k == requests - 1;
    // The answer (every job in full) is not parsed: a 201 means all were created.
    auto r = c.Post("/api/jobs/batch", is_last ? last : full, "application/json");
    if (!check(r, 201, true, "POST /api/jobs/batch")) return false;
    created += is_last ? last_size : o.batch;
    return true;
  });
  auto poller = make_client();
  print_rates("batch", created.load(), run, *poller);
  std::printf("  batch request latency: %s\n", percentiles(run.latency_ms, {50, 99}).c_str());
  print_cpu(cpu, created.load());
}

// ---- Phase 4: a steady 200 jobs/s on an otherwise idle server.
void run_idle() {
  enter_phase("idle latency");
  constexpr int count = 2000;
  constexpr auto period = 5ms;  // 200 jobs/s
  std::printf("idle latency: %d noop jobs paced at 200/s from one connection\n", count);
  const cpu_mark cpu = cpu_now();
  auto client = make_client();
  std::vector<std::string> ids;
  std::vector<double> latency;
  const auto t0 = steady::now();
  auto next = t0, sent = t0;
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(next);
    sent = steady::now();
    auto r = client->Post("/api/jobs", noop_job, "application/json");
    latency.push_back(seconds_between(sent, steady::now()) * 1000);
    // Paced, not bursting: a late request moves the schedule, it is not caught up.
    next = std::max(next + period, steady::now());
    if (check(r, 201, true, "POST /api/jobs"))
      ids.push_back(field_of(parse_or_null(r->body), "id"));
  }
  std::printf("  sent at %.0f jobs/s; submit latency per request: %s\n",
              (count - 1) / seconds_between(t0, sent), percentiles(latency, {50, 99}).c_str());
  wait_all_completed(*client);
  print_cpu(cpu, count);
  const auto [start, complete] = measure(ids, true);
  std::printf("  submit->start (history's running at - created_at): %s\n",
              percentiles(start, {50, 99}).c_str());
  std::printf("  submit->complete (finished_at - created_at): %s\n",
              percentiles(complete, {50, 99}).c_str());
}

// ---- The spawned server.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto* any = reinterpret_cast<sockaddr*>(&addr);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, any, sizeof addr) == 0 && ::getsockname(fd, any, &len) == 0;
  if (fd >= 0) ::close(fd);
  return ok ? ntohs(addr.sin_port) : -1;
}

/// Waits (bounded) for GET /health to answer 200, while `pid` (if any) lives.
bool wait_healthy(pid_t pid, std::chrono::seconds limit) {
  httplib::Client probe("127.0.0.1", g_port);
  probe.set_connection_timeout(200ms);
  probe.set_read_timeout(1s);
  for (const auto deadline = steady::now() + limit; steady::now() < deadline;) {
    if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == pid) {  // it exited, and is reaped
      g_server = -1;
      return false;
    }
    if (auto r = probe.Get("/health"); r && r->status == 200) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

/// `jobforge serve` on a port that was free a moment ago, its data in a temp
/// dir; its stdout and stderr go to server.log there.
bool spawn_server(const std::string& binary) {
  char pattern[] = "/tmp/jobforge-load-XXXXXX";
  if (!::mkdtemp(pattern)) return false;
  g_temp_dir = pattern;
  const std::string log = g_temp_dir + "/server.log";
  g_port = free_loopback_port();
  std::vector<std::string> args{binary,      "serve",  "--host",
                                "127.0.0.1", "--port", std::to_string(g_port)};
  args.insert(args.end(), {"--data-dir", g_temp_dir + "/data", "--executors", "16"});
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0)
    return std::printf("cannot start %s: %s\n", binary.c_str(), std::strerror(rc)), false;
  g_server = pid;
  if (wait_healthy(pid, 15s)) return true;
  std::ifstream in(log);
  std::printf("the server did not answer GET /health within 15 s; its log:\n%s\n",
              std::string((std::istreambuf_iterator<char>(in)), {}).c_str());
  return false;
}

/// SIGTERM and a bounded wait for the exit (running jobs get a 30 s grace);
/// prints the exit and the server's warnings and errors.
void stop_server() {
  enter_phase("shutdown");
  const pid_t pid = g_server.load();
  if (pid <= 0) return;
  const auto t0 = steady::now();
  ::kill(pid, SIGTERM);
  int status = 0;
  bool exited = false;
  while (!(exited = ::waitpid(pid, &status, WNOHANG) == pid) && steady::now() - t0 < 60s)
    std::this_thread::sleep_for(20ms);
  // Still running: main's kill_server_and_remove_dir sends SIGKILL.
  if (!exited) return (void)std::printf("server still running 60 s after SIGTERM\n");
  g_server = -1;
  std::printf("server stopped %.2f s after SIGTERM: %s %d\n", seconds_between(t0, steady::now()),
              WIFEXITED(status) ? "exit status" : "signal",
              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  std::ifstream in(g_temp_dir + "/server.log");
  int shown = 0;
  for (std::string line; std::getline(in, line) && shown < 10;)
    if (line.find("warn") != std::string::npos || line.find("error") != std::string::npos)
      std::printf("  server log [%d]: %s\n", ++shown, line.c_str());
}

/// http://127.0.0.1:PORT or http://localhost:PORT; any other host is refused.
bool use_url(const std::string& url) {
  char host[64] = {};
  int port = 0, used = 0;
  if (std::sscanf(url.c_str(), "http://%63[^:/]:%d%n", host, &port, &used) != 2) return false;
  const std::string h = host, rest = url.substr(static_cast<std::size_t>(used));
  if ((h != "127.0.0.1" && h != "localhost") || port < 1 || port > 65535) return false;
  g_port = port;
  return rest.empty() || rest == "/";
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, into a file too
  std::map<std::string, std::string> given;  // every option takes a value
  for (int i = 1; i + 1 < argc; i += 2)
    given[argv[i]] = argv[i + 1];
  auto take = [&](const char* name, const char* fallback) {
    const std::string v = given.count(name) ? given[name] : fallback;
    given.erase(name);
    return v;
  };
  const options o{std::atol(take("--jobs", "100000").c_str()),
                  std::atol(take("--batch", "1000").c_str()),
                  std::atoi(take("--connections", "32").c_str()),
                  take("--only", ""),
                  take("--spawn", ""),
                  take("--url", "")};
  if (argc % 2 == 0 || !given.empty() || o.jobs < 1 || o.jobs > 10'000'000 || o.connections < 1 ||
      o.connections > 1024 || o.batch < 1 || o.spawn.empty() == o.url.empty() ||
      !(o.only.empty() || o.only == "submit" || o.only == "batch" || o.only == "idle")) {
    std::fprintf(stderr,
                 "usage: http_load (--spawn PATH_TO_jobforge | --url http://127.0.0.1:PORT) "
                 "[--jobs N] [--connections C] [--batch B] [--only submit|batch|idle]\n");
    return 2;
  }
  std::thread(watchdog).detach();
  bool ready = false;
  if (!o.spawn.empty()) {
    ready = spawn_server(o.spawn);
  } else if (!use_url(o.url)) {
    std::printf("refused: --url must be http://127.0.0.1:PORT or http://localhost:PORT\n");
  } else if (!(ready = wait_healthy(-1, 5s))) {
    std::printf("%s does not answer GET /health with 200\n", o.url.c_str());
  }
  // After the spawn, so that the server keeps the default disposition:
  // httplib 0.11 sends without MSG_NOSIGNAL.
  ::signal(SIGPIPE, SIG_IGN);
  int status = 1;
  if (ready) {
    std::printf(
        "http_load: http://127.0.0.1:%d (%s), jobs %ld, connections %d, batch %ld, "
        "%u cores\n",
        g_port, o.spawn.empty() ? "running" : "spawned, 16 executors", o.jobs, o.connections,
        o.batch, std::thread::hardware_concurrency());
    if (o.only.empty() || o.only == "submit") run_submit(o);
    if (o.only.empty() || o.only == "batch") run_batch(o);
    if (o.only.empty() || o.only == "idle") run_idle();
    std::printf("HTTP errors: %ld failed submissions, %ld other failed requests\n",
                g_submit_failures.load(), g_other_failures.load());
    status = g_submit_failures > 0 ? 1 : 0;
  }
  stop_server();
  kill_server_and_remove_dir();  // a server that never got healthy; the temp dir
  return status;
}

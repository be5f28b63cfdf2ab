// recovery_bench: how long a coordinator takes to resume a deep queue, on
// each durable store. N unfinished `noop` jobs (90% pending, 5% scheduled a
// month ahead, 5% blocked on a pending job, as durability_bench's recovery
// part) are written once through the store interface; then, --runs times, a
// fresh `jobforge::runtime` opens the store through the store factory and
// recovers them, as `serve` does: with PostgreSQL it first takes the leader
// lease and opens the store fenced by its epoch (a takeover). Ready = the
// scheduler's first answer (`stats()`), which it gives only after admitting
// every recovered job.
//
// Each run prints: the lease, the store's opening (PostgreSQL: the counts by
// status), the runtime's constructor (the store's reads: summaries,
// deduplication keys; the actors' start-up) and the scheduler's admission
// up to its first answer; CPU time and RSS per queued job. Then, the reads
// alone on a second opening of the store, to say how much of the whole is
// the store's.
//
// The runtime gets --executors 0 (default): nothing is dispatched, so the
// store is left as it was found and the next run (or invocation, with
// --dir or the same database) recovers the same jobs. A store holding
// exactly N unfinished jobs and nothing else is reused; an empty one is
// written first (minutes for 1,000,000); anything else is refused.
//
//   recovery_bench [--store sqlite|postgres] [--jobs N] [--runs R]
//                  [--dir DIR] [--url URL] [--executors N] [--cap S]
//
// --dir: sqlite, the data directory kept between invocations (default: a
// temporary one, removed at the end). --url: postgres, a libpq connection
// string (default $JOBFORGE_POSTGRES_URL); give it an empty database
// (bench/pg-bench-server fresh DIR NAME). Every phase is bounded by --cap
// seconds (default 600): past it, the process prints TIMEOUT and exits 3.

#include "bench_support.hpp"
#include "handlers/demo_types.hpp"
#include "model/job_type_registry.hpp"
#include "model/random_source.hpp"
#include "runtime/runtime.hpp"
#include "store/postgres/leader_lease.hpp"
#include "store/store_factory.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct options {
  std::string store = "sqlite";
  std::size_t jobs = 1'000'000;
  int runs = 3;
  std::string dir;
  std::string url;
  std::size_t executors = 0;
  int cap_s = 600;
};

std::atomic<const char*> g_phase{"start"};
std::atomic<std::int64_t> g_deadline_ms{0};
std::atomic<int> g_cap_s{600};
fs::path g_tmp;  // removed on every exit when set

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clk::now().time_since_epoch())
      .count();
}

[[noreturn]] void bail(const char* what, const std::string& why, int status) {
  std::printf("\n%s in phase '%s': %s\n", what, g_phase.load(), why.c_str());
  std::fflush(stdout);
  std::error_code ec;
  if (!g_tmp.empty()) fs::remove_all(g_tmp, ec);
  std::_Exit(status);
}
[[noreturn]] void die(const std::string& why) {
  bail("ERROR", why, 1);
}

void begin_phase(const char* name) {
  g_phase = name;
  g_deadline_ms = steady_ms() + 1000LL * g_cap_s.load();
}

void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (steady_ms() > g_deadline_ms.load())
      bail("TIMEOUT", "ran past its cap of " + std::to_string(g_cap_s.load()) + " s", 3);
  }
}

double secs(clk::time_point a, clk::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <class Number>
std::string grouped(Number number) {
  const auto v = static_cast<double>(number);
  std::string digits = std::to_string(std::llround(std::fabs(v)));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

jobforge::job_type_registry demo_types() {
  jobforge::job_type_registry types;
  if (auto ok = jobforge::handlers::register_demo_types(types); !ok)
    die("register_demo_types: " + to_string(ok.error_value()));
  return types;
}

jobforge::store_settings settings_of(const options& o, const std::string& sqlite_sync) {
  jobforge::store_settings s;
  s.kind = o.store;
  s.data_dir = o.dir;
  s.sqlite_sync = sqlite_sync;
  s.postgres_url = o.url;
  return s;
}

jobforge::opened_store open(const jobforge::store_settings& s) {
  auto opened = jobforge::open_store(s);
  if (!opened) die("open_store: " + opened.error_value().message);
  return std::move(opened).value();
}

std::size_t total(const jobforge::status_counts& c) {
  std::size_t n = 0;
  for (auto v : c.by_status)
    n += v;
  return n;
}

/// Writes `n` unfinished jobs, 5,000 per transaction.
void write_unfinished(jobforge::store& backend, std::size_t n) {
  begin_phase("writing the jobs");
  const auto types = demo_types();
  auto rng = jobforge::make_seeded_random(20261123);
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  jobforge::job_request pending = noop_request();
  jobforge::job_request scheduled = noop_request();
  scheduled.run_at = now + std::chrono::hours(24 * 30);  // still ahead at the next invocation
  jobforge::job_request blocked = noop_request();
  jobforge::job_id last_pending;
  std::vector<jobforge::store_write> batch;
  batch.reserve(5000);
  const auto t0 = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto kind = i % 20;  // 0..17 pending, 18 scheduled, 19 blocked
    const auto id = jobforge::job_id::generate(*rng);
    if (kind == 19) blocked.dependencies.depends_on = {last_pending};
    auto j = types.prepare(kind < 18 ? pending : kind == 18 ? scheduled : blocked, id, now);
    if (!j) die("prepare: " + to_string(j.error_value()));
    if (kind < 18) last_pending = id;
    batch.push_back(jobforge::put_job{std::make_shared<const jobforge::job>(std::move(j).value())});
    if (batch.size() == 5000 || i + 1 == n) {
      if (auto ok = backend.apply(batch); !ok) die("apply: " + to_string(ok.error_value()));
      batch.clear();
    }
  }
  std::printf("  wrote %s jobs in %.2f s\n", grouped(n).c_str(), secs(t0, clk::now()));
}

/// Makes sure the store holds exactly `o.jobs` unfinished jobs.
void prepare_store(const options& o) {
  begin_phase("opening the store to write");
  // NORMAL: writing is set-up, not what is measured.
  auto opened = open(settings_of(o, "normal"));
  auto counts = opened.backend->count_by_status();
  if (!counts) die("count_by_status: " + counts.error_value().message);
  const std::size_t all = total(counts.value());
  std::size_t unfinished = 0;
  for (auto s : jobforge::all_job_statuses)
    if (!jobforge::is_terminal(s)) unfinished += counts->of(s);
  if (all == 0) {
    write_unfinished(*opened.backend, o.jobs);
  } else if (all != o.jobs || unfinished != o.jobs) {
    die("the store holds " + grouped(all) + " jobs, " + grouped(unfinished) +
        " unfinished: give an empty store, or one this benchmark wrote with --jobs " +
        std::to_string(all));
  } else {
    std::printf("  the store holds the %s unfinished jobs already: reusing them\n",
                grouped(all).c_str());
  }
  counts = opened.backend->count_by_status();
  using jobforge::job_status;
  std::printf("  pending %s, scheduled %s, blocked %s\n",
              grouped(counts->of(job_status::pending)).c_str(),
              grouped(counts->of(job_status::scheduled)).c_str(),
              grouped(counts->of(job_status::blocked)).c_str());
}

/// One recovery, as `serve` makes it; then the store's reads alone.
void recover_once(const options& o, int run) {
  malloc_trim(0);
  { std::ofstream("/proc/self/clear_refs") << "5"; }  // VmHWM back to the current RSS
  const long rss0 = proc_status_kib("VmRSS");
  const std::string load = loadavg();
  begin_phase("recovery");
  const double cpu0 = cpu_seconds();
  const auto t0 = clk::now();
  auto settings = settings_of(o, "full");
  std::unique_ptr<jobforge::leader_lease> lease;
  std::int64_t epoch = 0;
  if (o.store == "postgres") {
    jobforge::lease_identity me{"recovery_bench", jobforge::make_boot_id(), "", ""};
    lease = std::make_unique<jobforge::leader_lease>(o.url, me, std::chrono::seconds(60));
    auto taken = lease->try_acquire();
    if (!taken || !*taken) die("cannot take the leader lease (is a coordinator on it?)");
    epoch = **taken;
    settings.epoch = epoch;
  }
  const auto leased = clk::now();
  auto opened = open(settings);
  const auto store_open = clk::now();
  jobforge::runtime_config config;
  config.executors = o.executors;
  std::unique_ptr<jobforge::runtime> rt;
  try {
    rt = std::make_unique<jobforge::runtime>(demo_types(), config, std::move(opened.backend));
  } catch (const std::exception& e) {
    die(std::string("runtime start-up: ") + e.what());
  }
  const auto constructed = clk::now();
  auto st = rt->stats();
  if (!st) die("stats: " + to_string(st.error_value()));
  const auto ready = clk::now();
  const double cpu = cpu_seconds() - cpu0;
  const long rss1 = proc_status_kib("VmRSS"), hwm1 = proc_status_kib("VmHWM");
  const double n = static_cast<double>(o.jobs);
  std::printf(
      "run %d (load %s): READY in %.2f s = lease %.2f + store open %.2f + constructor "
      "%.2f + admission to first answer %.2f; cpu %.2f s\n",
      run, load.c_str(), secs(t0, ready), secs(t0, leased), secs(leased, store_open),
      secs(store_open, constructed), secs(constructed, ready), cpu);
  std::printf(
      "      scheduler: ready %s, scheduled %s, blocked %s; RSS %s bytes per queued job, peak "
      "%s\n",
      grouped(st->ready).c_str(), grouped(st->scheduled).c_str(), grouped(st->blocked).c_str(),
      grouped(1024.0 * static_cast<double>(rss1 - rss0) / n).c_str(),
      grouped(1024.0 * static_cast<double>(hwm1 - rss0) / n).c_str());
  if (st->ready + st->scheduled + st->blocked != o.jobs)
    die("recovered " + grouped(st->ready + st->scheduled + st->blocked) + " jobs, not " +
        grouped(o.jobs));
  begin_phase("shutdown");
  const auto t2 = clk::now();
  rt->shutdown();
  rt.reset();
  if (lease) static_cast<void>(lease->release(epoch));
  lease.reset();
  const double shutdown = secs(t2, clk::now());

  // The same reads alone, on a store opened again (unfenced: it only reads).
  begin_phase("the store's reads alone");
  malloc_trim(0);
  const auto r0 = clk::now();
  auto again = open(settings_of(o, "full"));
  const auto r1 = clk::now();
  auto summaries = again.backend->load_unfinished_summaries();
  if (!summaries) die("load_unfinished_summaries: " + summaries.error_value().message);
  const auto r2 = clk::now();
  auto claims = again.backend->load_dedup_claims(jobforge::timestamp{});
  if (!claims) die("load_dedup_claims: " + claims.error_value().message);
  const auto r3 = clk::now();
  std::printf(
      "      store alone: open %.2f s, %s summaries %.2f s (%.2f us/job), dedup keys %.2f s; "
      "shutdown %.2f s\n",
      secs(r0, r1), grouped(summaries->size()).c_str(), secs(r1, r2),
      1e6 * secs(r1, r2) / static_cast<double>(summaries->size()), secs(r2, r3), shutdown);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (const char* url = std::getenv("JOBFORGE_POSTGRES_URL")) o.url = url;
  const auto usage = [](int status) {
    std::printf(
        "usage: recovery_bench [--store sqlite|postgres] [--jobs N] [--runs R] [--dir DIR]\n"
        "                      [--url URL] [--executors N] [--cap S]\n");
    std::exit(status);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(64);
    const std::string v = argv[++i];
    if (a == "--store" && (v == "sqlite" || v == "postgres"))
      o.store = v;
    else if (a == "--jobs" && std::stoul(v) > 0 && std::stoul(v) <= 10'000'000)
      o.jobs = std::stoul(v);
    else if (a == "--runs" && std::stoi(v) > 0 && std::stoi(v) <= 20)
      o.runs = std::stoi(v);
    else if (a == "--dir")
      o.dir = v;
    else if (a == "--url")
      o.url = v;
    else if (a == "--executors" && std::stoul(v) <= 4096)
      o.executors = std::stoul(v);
    else if (a == "--cap" && std::stoi(v) > 0)
      o.cap_s = std::stoi(v);
    else
      usage(64);
  }
  if (o.store == "postgres" && o.url.empty()) {
    std::printf("--store postgres needs --url or JOBFORGE_POSTGRES_URL\n");
    return 64;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (o.store == "sqlite" && o.dir.empty()) {
    char tmpl[] = "/tmp/recovery_bench.XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    g_tmp = tmpl;
    o.dir = g_tmp.string();
  }
  g_cap_s = o.cap_s;
  begin_phase("start");
  std::thread(watchdog).detach();
  std::printf(
      "recovery_bench: pid %d, %u hardware threads, load average %s; store %s, %s jobs, "
      "%zu executors\n",
      getpid(), std::thread::hardware_concurrency(), loadavg().c_str(), o.store.c_str(),
      grouped(o.jobs).c_str(), o.executors);
  prepare_store(o);
  for (int run = 1; run <= o.runs; ++run)
    recover_once(o, run);
  std::error_code ec;
  if (!g_tmp.empty()) fs::remove_all(g_tmp, ec);
  std::printf("load average at the end: %s\ndone\n", loadavg().c_str());
  return 0;
}

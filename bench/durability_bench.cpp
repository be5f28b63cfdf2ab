// What durability costs: the real threaded runtime (`jobforge::runtime`) on
// the SQLite store (synchronous=FULL, and NORMAL) against the in-memory store,
// in one process and one run, through the blocking C++ API only.
//
// Parts (--only NAME runs one; default: all, in this order):
//   submit    --jobs noop submissions from 1 and from 4 threads with the noop
//             type paused: admission + durable commit only, nothing runs
//   drain     --jobs noop jobs queued while paused, then resume_type at t0;
//             until every completed event was seen and the store writer
//             committed everything (flush), since events precede the commit
//   e2e       --jobs noop submissions from 4 threads while they run, until
//             all completed and committed
//   recovery  --recovery-jobs unfinished jobs written straight into a SQLite
//             file, then a runtime started on it: start-up time and RSS growth
// For the SQLite drain and e2e runs the group-commit batch sizes are printed
// from store_stats() (transactions, writes per transaction, histogram).
//
// Every phase is bounded: a watchdog thread prints TIMEOUT, every thread's
// stack (gdb) and exits with status 3 when a phase runs past --cap seconds.

#include "bench_support.hpp"
#include "handlers/demo_types.hpp"
#include "model/job_type_registry.hpp"
#include "model/random_source.hpp"
#include "runtime/runtime.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct options {
  std::size_t jobs = 100'000;
  std::size_t recovery_jobs = 1'000'000;
  /// Kept between runs (written when missing); each run recovers a copy.
  std::string recovery_file;
  std::size_t executors = 16;
  std::size_t batch = 100;     ///< jobs per submit_batch call in the batched variants
  std::size_t submitters = 4;  ///< threads submitting in the e2e part
  int cap_s = 300;
  std::string only;
  std::vector<std::string> stores = {"memory", "sqlite-full", "sqlite-normal"};
};

// --- watchdog and exits ------------------------------------------------------------

std::atomic<const char*> g_phase{"start"};
std::atomic<std::int64_t> g_deadline_ms{0};  // steady clock, ms
std::atomic<int> g_cap_s{300};
fs::path g_tmp;  // removed on every exit

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clk::now().time_since_epoch())
      .count();
}

void remove_tmp() {
  std::error_code ec;
  if (!g_tmp.empty()) fs::remove_all(g_tmp, ec);
}

/// Ends the process at once (the runtime may be stuck): status 1 on an
/// error, 3 (after every thread's stack, from gdb) on a timeout.
[[noreturn]] void bail(const char* what, const std::string& why, int status) {
  std::printf("\n%s in phase '%s': %s\n", what, g_phase.load(), why.c_str());
  std::fflush(stdout);
  if (status == 3 && std::system(("gdb -p " + std::to_string(getpid()) +
                                  " -batch -ex 'set pagination off' -ex 'thread apply all bt' 2>&1")
                                     .c_str()) != 0)
    std::printf("*** gdb failed\n");
  remove_tmp();
  std::printf("%s: exiting with status %d\n", what, status);
  std::fflush(stdout);
  std::_Exit(status);
}
[[noreturn]] void die(const std::string& why) {
  bail("ERROR", why, 1);
}
[[noreturn]] void timeout_exit(const std::string& why) {
  bail("TIMEOUT", why, 3);
}

/// Starts a phase: the watchdog ends the process if it lasts past --cap.
void begin_phase(const char* name) {
  g_phase = name;
  g_deadline_ms = steady_ms() + 1000LL * g_cap_s.load();
}

void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (steady_ms() > g_deadline_ms.load())
      timeout_exit("ran past its cap of " + std::to_string(g_cap_s.load()) + " s");
  }
}

// --- helpers -------------------------------------------------------------------------

double secs(clk::time_point a, clk::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// 52100.4 -> "52,100".
template <class Number>
std::string grouped(Number number) {
  const auto v = static_cast<double>(number);
  std::string digits = std::to_string(std::llround(std::fabs(v)));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + digits;
}

/// `v` with `digits` decimals.
std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// CPU time of the whole process (user, sys), to say where a phase's time went.
std::pair<double, double> cpu_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return {seconds(ru.ru_utime), seconds(ru.ru_stime)};
}

void print_cpu(const std::pair<double, double>& before, std::size_t jobs) {
  const auto after = cpu_now();
  const double u = after.first - before.first, s = after.second - before.second;
  std::printf("      cpu: user %.2f s + sys %.2f s = %.1f us/job\n", u, s,
              1e6 * (u + s) / static_cast<double>(jobs));
}

jobforge::job_type_registry demo_types() {
  jobforge::job_type_registry types;
  if (auto ok = jobforge::handlers::register_demo_types(types); !ok)
    die("register_demo_types: " + to_string(ok.error_value()));
  return types;
}

// --- stores and runtimes -------------------------------------------------------------

/// A runtime on a fresh store; its database file (if any) is removed with it.
struct instance {
  std::unique_ptr<jobforge::runtime> rt;
  fs::path db;
};

std::shared_ptr<jobforge::store> open_store(const std::string& name, const fs::path& db) {
  if (name == "memory") return jobforge::make_memory_store();
  const auto sync = name == "sqlite-full"     ? jobforge::sqlite_sync::full
                    : name == "sqlite-normal" ? jobforge::sqlite_sync::normal
                                              : jobforge::sqlite_sync::off;
  auto opened = jobforge::open_sqlite_store({db.string(), sync});
  if (!opened) die("open_sqlite_store " + db.string() + ": " + to_string(opened.error_value()));
  return std::move(opened).value();
}

/// A runtime on `store_name`: a fresh store, or the SQLite file `db` if given.
instance start(const options& o, const std::string& store_name, fs::path db = {}) {
  static int counter = 0;
  instance in{nullptr, std::move(db)};
  if (store_name != "memory" && in.db.empty())
    in.db = g_tmp / ("run-" + std::to_string(++counter) + ".db");
  jobforge::runtime_config config;
  config.executors = o.executors;
  try {
    in.rt =
        std::make_unique<jobforge::runtime>(demo_types(), config, open_store(store_name, in.db));
  } catch (const std::exception& e) {
    die(std::string("runtime start-up: ") + e.what());
  }
  return in;
}

/// Shuts down (bounded by the watchdog) and deletes the database files.
void finish(instance& in) {
  begin_phase("shutdown");
  in.rt->shutdown();
  in.rt.reset();
  if (!in.db.empty())
    for (const char* suffix : {"", "-wal", "-shm"})
      fs::remove(in.db.string() + suffix);
}

void pause_noop(jobforge::runtime& rt) {
  if (auto ok = rt.pause_type("noop"); !ok) die("pause_type: " + to_string(ok.error_value()));
}

/// Commits everything the store writer holds, then reads its statistics:
/// the counts then cover every write made so far.
jobforge::store_writer_stats committed_stats(jobforge::runtime& rt) {
  if (auto ok = rt.flush(); !ok) die("flush: " + to_string(ok.error_value()));
  auto st = rt.store_stats();
  if (!st) die("store_stats: " + to_string(st.error_value()));
  return st.value();
}

/// Transactions, writes per transaction and the non-zero buckets of `after - before`.
void print_batches(const jobforge::store_writer_stats& before,
                   const jobforge::store_writer_stats& after) {
  const auto tx = after.batches - before.batches;
  const auto writes = after.writes - before.writes;
  std::ostringstream hist;
  for (int k = 0; k < 16; ++k) {
    const auto n = after.by_size_log2[k] - before.by_size_log2[k];
    if (n == 0) continue;
    const auto lo = 1ULL << k, hi = (2ULL << k) - 1;
    hist << "  [" << lo;
    if (hi != lo) hist << (k == 15 ? "+" : "-" + std::to_string(hi));
    hist << "]=" << grouped(n);
  }
  std::printf("      group commit: %s transactions, %s writes, %.1f writes/tx;%s\n",
              grouped(tx).c_str(), grouped(writes).c_str(),
              tx ? static_cast<double>(writes) / static_cast<double>(tx) : 0.0, hist.str().c_str());
}

/// Rates of the memory store, by part label, for the ratio column.
std::map<std::string, double> g_memory_rate;

void print_rate(const std::string& part, const std::string& store_name, std::size_t jobs, double s,
                const std::string& extra = {}) {
  const double rate = static_cast<double>(jobs) / s;
  std::string ratio;
  if (store_name == "memory")
    g_memory_rate[part] = rate;
  else if (auto it = g_memory_rate.find(part); it != g_memory_rate.end())
    ratio = "  (ratio to memory " + fixed(rate / it->second, 2) + ")";
  std::printf("%-18s %-13s %7zu jobs %8.2f s %10s jobs/s%s%s\n", part.c_str(), store_name.c_str(),
              jobs, s, grouped(rate).c_str(), ratio.c_str(), extra.c_str());
}

/// Submits `n` noop jobs from `threads` threads, one by one or (`batch` >
/// 0) `batch` per submit_batch call; every one must be accepted.
void submit_noops(jobforge::runtime& rt, std::size_t n, std::size_t threads,
                  std::size_t batch = 0) {
  std::atomic<std::size_t> failed{0};
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    const std::size_t count = n / threads + (t < n % threads ? 1 : 0);
    pool.emplace_back([&rt, &failed, count, batch] {
      for (std::size_t i = 0; i < count;) {
        if (batch == 0) {
          auto r = rt.submit(noop_request());
          if (!r && failed.fetch_add(1) < 3)
            std::printf("  submit failed: %s\n", to_string(r.error_value()).c_str());
          ++i;
          continue;
        }
        std::vector<jobforge::batch_entry> entries;
        for (; entries.size() < batch && i < count; ++i)
          entries.push_back({"", noop_request(), {}});
        const auto size = entries.size();
        auto r = rt.submit_batch(std::move(entries));
        if (!r && failed.fetch_add(size) < 3)
          std::printf("  submit_batch failed: %s\n", to_string(r.error_value()).c_str());
      }
    });
  }
  for (auto& th : pool)
    th.join();
  if (failed.load() > 0) die(std::to_string(failed.load()) + " submissions failed");
}

/// Counts noop `completed` events (a subscriber is the cheap way to see the
/// last completion: stats() walks every live job, list() queries the store).
struct completion_counter {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t completed = 0;
  std::size_t target = 0;
  clk::time_point done{};

  void on_event(const jobforge::job_event& e) {
    if (e.what != jobforge::job_event::kind::status || e.to != jobforge::job_status::completed ||
        e.type != "noop")
      return;
    std::lock_guard<std::mutex> guard(mutex);
    if (++completed == target) {
      done = clk::now();
      changed.notify_all();
    }
  }

  /// Waits for `target` completions, up to the phase's deadline.
  void wait_all() {
    std::unique_lock<std::mutex> lock(mutex);
    const auto deadline = clk::time_point(std::chrono::milliseconds(g_deadline_ms.load() - 1000));
    if (!changed.wait_until(lock, deadline, [&] { return completed >= target; })) {
      const auto seen = completed;
      lock.unlock();
      timeout_exit("only " + std::to_string(seen) + " of " + std::to_string(target) +
                   " completed events");
    }
  }
};

// --- parts ---------------------------------------------------------------------------

void part_submit(const options& o) {
  std::printf("\n== submit: %zu noop submissions, noop type paused (admission + commit) ==\n",
              o.jobs);
  const std::pair<std::size_t, std::size_t> variants[] = {{1, 0}, {4, 0}, {4, o.batch}};
  for (const auto& [threads, batch] : variants) {
    for (const auto& name : o.stores) {
      begin_phase("submit");
      auto in = start(o, name);
      pause_noop(*in.rt);
      const auto before = committed_stats(*in.rt);
      const auto cpu0 = cpu_now();
      const auto t0 = clk::now();
      submit_noops(*in.rt, o.jobs, threads, batch);
      const double s = secs(t0, clk::now());
      print_rate("submit " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") +
                     (batch > 0 ? " x" + std::to_string(batch) : ""),
                 name, o.jobs, s);
      print_cpu(cpu0, o.jobs);
      if (name != "memory") print_batches(before, committed_stats(*in.rt));
      finish(in);
    }
  }
}

/// drain (`queued`): --jobs noop jobs queued while paused, then resumed at t0.
/// e2e: --jobs noop jobs submitted from --submitters threads (from t0) while they run,
/// one by one, or `batch` per call when `batch` > 0.
/// Both end once every completed event was seen and the store writer has
/// committed everything (flush): events are published before the commit.
void part_run(const options& o, bool queued, std::size_t batch = 0) {
  const std::string part_name = queued      ? "drain"
                                : batch > 0 ? "e2e x" + std::to_string(batch)
                                            : "e2e";
  const char* part = part_name.c_str();
  const std::string how =
      queued ? "queued while paused, then resumed"
      : batch > 0
          ? "submitted in batches from " + std::to_string(o.submitters) + " threads as they run"
          : "submitted from " + std::to_string(o.submitters) + " threads as they run";
  std::printf("\n== %s: %zu noop jobs %s; %zu executors ==\n", part, o.jobs, how.c_str(),
              o.executors);
  for (const auto& name : o.stores) {
    begin_phase(part);
    auto in = start(o, name);
    if (queued) {
      pause_noop(*in.rt);
      submit_noops(*in.rt, o.jobs, 4);
    }
    auto counter = std::make_shared<completion_counter>();
    counter->target = o.jobs;
    auto sub = in.rt->subscribe([counter](const jobforge::job_event& e) { counter->on_event(e); });
    const auto before = committed_stats(*in.rt);
    begin_phase(queued ? "drain: running" : "e2e: running");
    const auto cpu0 = cpu_now();
    const auto t0 = clk::now();
    if (queued) {
      if (auto ok = in.rt->resume_type("noop"); !ok) die("resume_type");
    } else {
      submit_noops(*in.rt, o.jobs, o.submitters, batch);
    }
    const auto submitted = clk::now();
    counter->wait_all();
    const auto after = committed_stats(*in.rt);  // durable from here
    const auto t1 = clk::now();
    print_rate(part, name, o.jobs, secs(t0, t1),
               "  (last completed event at " + fixed(secs(t0, counter->done), 2) + " s" +
                   (queued ? "" : "; submitting took " + fixed(secs(t0, submitted), 2) + " s") +
                   ")");
    print_cpu(cpu0, o.jobs);
    if (name != "memory") print_batches(before, after);
    sub.cancel();
    finish(in);
  }
}

/// Writes `n` unfinished jobs into a fresh SQLite file through the store
/// interface, as a previous run would have left them: 90% pending, 5%
/// scheduled an hour ahead, 5% blocked on a pending job.
void write_unfinished(const fs::path& db, std::size_t n) {
  begin_phase("recovery: writing the file");
  // NORMAL here: this is set-up, not what is measured (~200 commits anyway).
  auto opened = jobforge::open_sqlite_store({db.string(), jobforge::sqlite_sync::normal});
  if (!opened) die("open_sqlite_store: " + to_string(opened.error_value()));
  auto backend = std::move(opened).value();
  const auto types = demo_types();
  auto rng = jobforge::make_seeded_random(20261123);
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  jobforge::job_request pending = noop_request();
  jobforge::job_request scheduled = noop_request();
  scheduled.run_at = now + std::chrono::hours(1);
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
      if (auto ok = backend->apply(batch); !ok) die("apply: " + to_string(ok.error_value()));
      batch.clear();
    }
  }
  const double s = secs(t0, clk::now());
  auto counts = backend->count_by_status();
  if (!counts) die("count_by_status: " + to_string(counts.error_value()));
  using jobforge::job_status;
  std::printf("  wrote %s jobs in %.2f s: pending %s, scheduled %s, blocked %s; file %s MiB\n",
              grouped(n).c_str(), s, grouped(counts->of(job_status::pending)).c_str(),
              grouped(counts->of(job_status::scheduled)).c_str(),
              grouped(counts->of(job_status::blocked)).c_str(),
              grouped(fs::file_size(db) >> 20).c_str());
}  // the store closes here (checkpointing its WAL)

void part_recovery(const options& o) {
  std::printf("\n== recovery: runtime start-up on a SQLite file with %zu unfinished jobs ==\n",
              o.recovery_jobs);
  const fs::path db = g_tmp / "recovery.db";
  if (o.recovery_file.empty()) {
    write_unfinished(db, o.recovery_jobs);
  } else {
    // Writing a million jobs takes minutes: a kept file is reused, and a
    // copy is recovered so that the kept one stays as written.
    if (!fs::exists(o.recovery_file)) write_unfinished(o.recovery_file, o.recovery_jobs);
    fs::copy_file(o.recovery_file, db);
    std::printf("  recovering a copy of %s\n", o.recovery_file.c_str());
  }

  // Hand freed heap back first, so that the growth below is the runtime's.
  malloc_trim(0);
  { std::ofstream("/proc/self/clear_refs") << "5"; }  // resets VmHWM to the current RSS
  const long rss0 = proc_status_kib("VmRSS");
  begin_phase("recovery: start-up");
  const auto cpu0 = cpu_now();
  const auto t0 = clk::now();
  auto in = start(o, "sqlite-full", db);
  const auto constructed = clk::now();
  // The scheduler admits the loaded jobs before it reads any message: its
  // first answer marks the end of recovery.
  auto st = in.rt->stats();
  if (!st) die("stats: " + to_string(st.error_value()));
  const auto t1 = clk::now();
  const long rss1 = proc_status_kib("VmRSS"), hwm1 = proc_status_kib("VmHWM");
  malloc_trim(0);
  const long rss2 = proc_status_kib("VmRSS");
  const double n = static_cast<double>(o.recovery_jobs);
  print_rate("recovery", "sqlite-full", o.recovery_jobs, secs(t0, t1),
             "  (constructor " + fixed(secs(t0, constructed), 2) + " s, then first stats() " +
                 fixed(secs(constructed, t1), 2) + " s)");
  print_cpu(cpu0, o.recovery_jobs);
  std::printf("      scheduler: ready %s, scheduled %s, blocked %s, supervisors %zu\n",
              grouped(st->ready).c_str(), grouped(st->scheduled).c_str(),
              grouped(st->blocked).c_str(), st->supervisors);
  std::printf(
      "      VmRSS %s -> %s KiB: %s bytes per queued job (%s after malloc_trim); peak VmHWM %s "
      "KiB (%s bytes/job during start-up)\n",
      grouped(rss0).c_str(), grouped(rss1).c_str(),
      grouped(1024.0 * static_cast<double>(rss1 - rss0) / n).c_str(),
      grouped(1024.0 * static_cast<double>(rss2 - rss0) / n).c_str(), grouped(hwm1).c_str(),
      grouped(1024.0 * static_cast<double>(hwm1 - rss0) / n).c_str());
  const auto t2 = clk::now();
  finish(in);
  std::printf("      shutdown with %s jobs queued: %.2f s\n", grouped(n).c_str(),
              secs(t2, clk::now()));
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  auto usage = [](int status) {
    std::printf(
        "usage: durability_bench [--only submit|drain|e2e|recovery] [--jobs N]\n"
        "         [--recovery-jobs N] [--recovery-file PATH] [--stores "
        "memory,sqlite-full,sqlite-normal]\n"
        "         [--executors N] [--batch N]   (jobs per submit_batch call, default 100)\n"
        "         [--submitters N]   (threads submitting in the e2e part, default 4)\n"
        "         [--cap S]   (each phase's time limit, default 300 s)\n");
    std::exit(status);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(64);
    const std::string v = argv[++i];
    if (a == "--only" && (v == "submit" || v == "drain" || v == "e2e" || v == "recovery"))
      o.only = v;
    else if (a == "--jobs" && std::stoul(v) > 0)
      o.jobs = std::stoul(v);
    else if (a == "--recovery-jobs" && std::stoul(v) > 0)
      o.recovery_jobs = std::stoul(v);
    else if (a == "--recovery-file")
      o.recovery_file = v;
    else if (a == "--executors" && std::stoul(v) > 0)
      o.executors = std::stoul(v);
    else if (a == "--submitters" && std::stoul(v) > 0 && std::stoul(v) <= 256)
      o.submitters = std::stoul(v);
    else if (a == "--batch" && std::stoul(v) > 0 && std::stoul(v) <= 10'000)
      o.batch = std::stoul(v);
    else if (a == "--cap" && std::stoi(v) > 0)
      o.cap_s = std::stoi(v);
    else if (a == "--stores") {
      o.stores.clear();
      std::stringstream list(v);
      for (std::string s; std::getline(list, s, ',');) {
        if (s != "memory" && s != "sqlite-full" && s != "sqlite-normal") usage(64);
        o.stores.push_back(s);
      }
    } else
      usage(64);
  }
#ifdef PR_SET_PTRACER
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);  // lets the watchdog's gdb attach
#endif
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  char tmpl[] = "/tmp/durability_bench.XXXXXX";
  if (!mkdtemp(tmpl)) die("mkdtemp failed");
  g_tmp = tmpl;
  g_cap_s = o.cap_s;
  begin_phase("start");
  std::thread(watchdog).detach();
  std::printf("durability_bench: pid %d, %u hardware threads, load average %s, files in %s\n",
              getpid(), std::thread::hardware_concurrency(), loadavg().c_str(), tmpl);
  std::printf("jobs=%zu recovery-jobs=%zu executors=%zu cap=%d s\n", o.jobs, o.recovery_jobs,
              o.executors, o.cap_s);

  auto want = [&](const char* part) { return o.only.empty() || o.only == part; };
  if (want("submit")) part_submit(o);
  if (want("drain")) part_run(o, true);
  if (want("e2e")) {
    part_run(o, false);
    part_run(o, false, o.batch);
  }
  if (want("recovery")) part_recovery(o);
  remove_tmp();
  std::printf("\nload average at the end: %s\ndone\n", loadavg().c_str());
  std::fflush(stdout);
  return 0;
}

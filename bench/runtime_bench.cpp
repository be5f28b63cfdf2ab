// End-to-end benchmark of the real (threaded) jobforge runtime, in process,
// with the in-memory store. Figures and commands: bench/README.md.
//
// Parts (--only NAME runs one; default: all, in this order):
//   submit   submit throughput: --jobs noop submissions from 1 and from 4 threads,
//            with the executors running them and with the noop type paused
//   drain    drain throughput: --jobs noop jobs on --executors executors, from the first
//            submit to the last completion (counted with subscribe()); then the same
//            jobs pre-queued (type paused, resumed at t0), counted with subscribe() and
//            without a subscriber (polling the store for jobs still pending or running)
//   latency  submit->start latency at a steady --rate for --seconds on an idle runtime
//   memory   RSS with --queued noop jobs queued (type paused): bytes per queued job
//
// Every loop is bounded in count and in time. A watchdog thread ends the
// process with "TIMEOUT" when progress stops for --stall seconds (after
// printing every thread's stack with gdb; exit status 2) or when a part runs
// past --cap seconds (exit status 3).

#include "bench_support.hpp"
#include "handlers/demo_types.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
using jobforge::job_id;

struct options {
  std::size_t jobs = 100'000;
  std::size_t executors = 16;
  std::size_t threads = 4;  ///< submitting threads (drain, memory)
  double rate = 2'000;      ///< latency: submissions per second
  double seconds = 5;       ///< latency: how long
  std::size_t queued = 1'000'000;
  int cap_s = 120;
  int stall_s = 15;
  std::string only;
  bool drain_after_memory = false;
  std::string perf_ctl;  ///< perf's --control fifo: profile only the pre-queued drains
  std::string perf_ack;
};

/// Turns `perf record -D -1 --control fifo:CTL,ACK` on or off (no-op without --perf-ctl).
void perf_control(const options& o, const char* command) {
  if (o.perf_ctl.empty()) return;
  {
    std::ofstream ctl(o.perf_ctl);
    ctl << command << "\n";
  }
  if (!o.perf_ack.empty()) {
    std::ifstream ack(o.perf_ack);
    std::string line;
    std::getline(ack, line);
  }
}

// --- watchdog --------------------------------------------------------------------

std::atomic<std::uint64_t> g_progress{0};
std::atomic<const char*> g_phase{"start"};
std::atomic<std::int64_t> g_part_start_ms{0};
std::atomic<int> g_cap_s{120};
std::atomic<int> g_stall_s{15};
/// The live runtime, for the watchdog's diagnosis (null while none is, or
/// while one shuts down).
std::atomic<jobforge::runtime*> g_rt{nullptr};
void diagnose(jobforge::runtime& rt);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clk::now().time_since_epoch())
      .count();
}

void dump_stacks() {
  std::fflush(stdout);
  const auto cmd = "gdb -p " + std::to_string(getpid()) +
                   " -batch -ex 'set pagination off' -ex 'thread apply all bt' 2>&1";
  if (std::system(cmd.c_str()) != 0) std::printf("*** gdb failed\n");
  std::fflush(stdout);
}

[[noreturn]] void timeout_exit(const std::string& why, int status, bool stacks) {
  std::printf("\nTIMEOUT in phase '%s': %s (progress counter %llu)\n", g_phase.load(), why.c_str(),
              static_cast<unsigned long long>(g_progress.load()));
  if (auto* rt = g_rt.exchange(nullptr); rt && stacks) diagnose(*rt);
  if (stacks) {
    std::printf("*** all thread stacks follow\n");
    dump_stacks();
  }
  std::printf("TIMEOUT: exiting with status %d\n", status);
  std::fflush(stdout);
  std::_Exit(status);
}

void watchdog() {
  std::uint64_t last = g_progress.load();
  auto last_change = clk::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto p = g_progress.load();
    const auto t = clk::now();
    if (p != last) {
      last = p;
      last_change = t;
    } else if (t - last_change > std::chrono::seconds(g_stall_s.load())) {
      timeout_exit("no progress for " + std::to_string(g_stall_s.load()) + " s", 2, true);
    }
    if (now_ms() - g_part_start_ms.load() > 1000LL * g_cap_s.load())
      timeout_exit("the part ran past its cap of " + std::to_string(g_cap_s.load()) + " s", 3,
                   true);
  }
}

void begin_part(const char* phase) {
  g_phase = phase;
  g_part_start_ms = now_ms();
  ++g_progress;
}

void set_phase(const char* phase) {
  g_phase = phase;
  ++g_progress;
}

clk::time_point part_deadline() {
  return clk::time_point(std::chrono::milliseconds(g_part_start_ms.load())) +
         std::chrono::seconds(g_cap_s.load());
}

// --- helpers -----------------------------------------------------------------------

double seconds_between(clk::time_point a, clk::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// This process's CPU time and context switches so far (getrusage).
struct usage {
  double user_s = 0, sys_s = 0;
  long voluntary = 0, involuntary = 0;

  static usage now() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    usage u;
    u.user_s =
        static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
    u.sys_s =
        static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
    u.voluntary = ru.ru_nvcsw;
    u.involuntary = ru.ru_nivcsw;
    return u;
  }
};

/// Prints the CPU time and context switches spent per job since `before`.
void print_usage(const usage& before, std::size_t jobs) {
  const usage after = usage::now();
  const double n = static_cast<double>(jobs);
  std::printf(
      "    cpu: user %.2f s + sys %.2f s = %.1f us/job; context switches %.1f/job "
      "(%.1f voluntary)\n",
      after.user_s - before.user_s, after.sys_s - before.sys_s,
      1e6 * (after.user_s - before.user_s + after.sys_s - before.sys_s) / n,
      static_cast<double>(after.voluntary - before.voluntary + after.involuntary -
                          before.involuntary) /
          n,
      static_cast<double>(after.voluntary - before.voluntary) / n);
}

[[noreturn]] void die(const std::string& what) {
  std::printf("ERROR: %s\n", what.c_str());
  std::fflush(stdout);
  std::_Exit(1);
}

std::unique_ptr<jobforge::runtime> make_runtime(const options& o) {
  jobforge::job_type_registry types;
  if (auto ok = jobforge::handlers::register_demo_types(types); !ok)
    die("register_demo_types: " + to_string(ok.error_value()));
  jobforge::runtime_config config;
  config.executors = o.executors;
  auto rt = std::make_unique<jobforge::runtime>(std::move(types), config);
  g_rt = rt.get();
  return rt;
}

void pause_noop(jobforge::runtime& rt) {
  if (auto ok = rt.pause_type("noop"); !ok) die("pause_type: " + to_string(ok.error_value()));
}

/// Shuts the runtime down and says how long it took.
void stop(std::unique_ptr<jobforge::runtime>& rt, const char* label) {
  set_phase("shutdown");
  g_rt = nullptr;
  const auto t0 = clk::now();
  rt->shutdown();
  rt.reset();
  std::printf("  %-44s %8.3f s\n", (std::string("shutdown (") + label + ")").c_str(),
              seconds_between(t0, clk::now()));
  ++g_progress;
}

/// Submits `n` noop jobs from `threads` threads; returns how many were
/// accepted. Stops early (and says so) at the part's deadline.
std::size_t submit_noops(jobforge::runtime& rt, std::size_t n, std::size_t threads,
                         std::vector<job_id>* ids = nullptr) {
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> failed{0};
  std::mutex ids_mutex;
  const auto deadline = part_deadline();
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    const std::size_t count = n / threads + (t < n % threads ? 1 : 0);
    pool.emplace_back([&, count] {
      std::vector<job_id> mine;
      if (ids) mine.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        if ((i & 255) == 0 && clk::now() > deadline) break;
        auto r = rt.submit(noop_request());
        ++g_progress;
        if (!r) {
          if (failed.fetch_add(1) < 5)
            std::printf("  submit failed: %s\n", to_string(r.error_value()).c_str());
          continue;
        }
        ++accepted;
        if (ids) mine.push_back(r->value.id);
      }
      if (ids) {
        std::lock_guard<std::mutex> guard(ids_mutex);
        ids->insert(ids->end(), mine.begin(), mine.end());
      }
    });
  }
  for (auto& th : pool)
    th.join();
  if (failed.load() > 0) die(std::to_string(failed.load()) + " submissions failed");
  if (accepted.load() < n)
    timeout_exit("only " + std::to_string(accepted.load()) + " of " + std::to_string(n) +
                     " submissions were made before the cap",
                 3, false);
  return accepted.load();
}

/// subscribe() returns before the event hub has registered the subscriber,
/// and events published in that window are dropped (see bench/README.md).
/// So: submit `echo` probes until an event of one arrives (`probe_seen`,
/// set by the subscriber for any echo event); only then is the subscription
/// known to be live. The benchmarks count noop events only.
void confirm_subscription(jobforge::runtime& rt, const std::atomic<bool>& probe_seen) {
  const auto deadline = clk::now() + std::chrono::seconds(10);
  int probes = 0;
  while (!probe_seen.load()) {
    if (clk::now() > deadline) timeout_exit("the subscription never delivered an event", 2, true);
    jobforge::job_request r;
    r.type = "echo";
    r.payload = boost::json::object{{"probe", ++probes}};
    auto submitted = rt.submit(std::move(r));
    if (!submitted) die("probe: " + to_string(submitted.error_value()));
    if (auto ok = rt.wait(submitted->value.id, std::chrono::milliseconds(1000)); !ok)
      die("probe: " + to_string(ok.error_value()));
    for (int i = 0; i < 100 && !probe_seen.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (probes > 1) std::printf("  (subscription confirmed after %d probe jobs)\n", probes);
}

/// Counts noop completed events; `done` is when the count reached `target`.
struct completion_counter {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t completed = 0;
  std::size_t target = 0;
  clk::time_point done{};
  std::atomic<bool> probe_seen{false};

  void on_event(const jobforge::job_event& e) {
    if (e.type == "echo") probe_seen = true;
    if (e.what != jobforge::job_event::kind::status || e.to != jobforge::job_status::completed ||
        e.type != "noop")
      return;
    ++g_progress;
    std::lock_guard<std::mutex> guard(mutex);
    if (++completed == target) {
      done = clk::now();
      changed.notify_all();
    }
  }

  /// Waits (bounded by the part's deadline) until `target` completions; when
  /// the count stops moving for a while, says what the runtime holds and
  /// ends the process (TIMEOUT, with every thread's stack).
  void wait_all(jobforge::runtime& rt);
};

/// Prints what the runtime holds (stats, and how many jobs are pending or
/// running in the store), each call bounded by a few seconds.
void diagnose(jobforge::runtime& rt) {
  auto report = std::make_shared<std::string>();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread([&rt, report, done] {
    std::string out;
    if (auto st = rt.stats())
      out += "  stats: ready=" + std::to_string(st->ready) +
             " scheduled=" + std::to_string(st->scheduled) +
             " blocked=" + std::to_string(st->blocked) +
             " supervisors=" + std::to_string(st->supervisors) +
             " executors=" + std::to_string(st->executors) +
             " idle_executors=" + std::to_string(st->idle_executors) + "\n";
    else
      out += "  stats failed: " + to_string(st.error_value()) + "\n";
    for (auto s : {jobforge::job_status::pending, jobforge::job_status::running,
                   jobforge::job_status::completed}) {
      jobforge::job_query q;
      q.filter.statuses = std::vector<jobforge::job_status>{s};
      q.limit = 1000;
      auto p = rt.list(q);
      out += "  store: " + std::string(to_string(s)) + " " +
             (p ? std::to_string(p->items.size()) + (p->next_cursor ? "+" : "") : "?");
      if (p && !p->items.empty() && s != jobforge::job_status::completed) {
        const auto& j = p->items.front();
        out += " (e.g. " + to_string(j.id) + ", history:";
        for (const auto& h : j.history)
          out += " " + std::string(to_string(h.to));
        out += ")";
      }
      out += "\n";
    }
    *report = out;
    *done = true;
  }).detach();
  for (int i = 0; i < 50 && !*done; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::printf("%s", *done ? report->c_str() : "  (the runtime did not answer within 5 s)\n");
}

void completion_counter::wait_all(jobforge::runtime& rt) {
  const auto deadline = part_deadline();
  const auto quiet_limit = std::chrono::seconds(std::max(1, g_stall_s.load() - 8));
  std::unique_lock<std::mutex> lock(mutex);
  std::size_t last = completed;
  auto last_change = clk::now();
  while (completed < target) {
    changed.wait_for(lock, std::chrono::milliseconds(200));
    const auto t = clk::now();
    if (completed != last) {
      last = completed;
      last_change = t;
    }
    if (completed >= target) break;
    if (t > deadline || t - last_change > quiet_limit) {
      const std::size_t seen = completed;
      lock.unlock();
      std::printf("\nno completion for %.1f s: %zu of %zu completed events seen\n",
                  seconds_between(last_change, t), seen, target);
      g_rt = nullptr;
      diagnose(rt);
      timeout_exit(
          "completions stopped at " + std::to_string(seen) + " of " + std::to_string(target),
          t > deadline ? 3 : 2, true);
    }
  }
}

struct percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  std::size_t n = 0;
};

percentiles summarize(std::vector<double> v) {
  percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  p.n = v.size();
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = v.back();
  double sum = 0;
  for (double x : v)
    sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

void print_percentiles(const char* label, const percentiles& p, const char* unit) {
  std::printf("  %-34s n=%zu  p50=%.3f  p90=%.3f  p99=%.3f  p99.9=%.3f  max=%.3f  mean=%.3f %s\n",
              label, p.n, p.p50, p.p90, p.p99, p.p999, p.max, p.mean, unit);
}

// --- parts -------------------------------------------------------------------------

void part_submit(const options& o) {
  std::printf("\n== (a) submit throughput: %zu noop submissions, %zu executors ==\n", o.jobs,
              o.executors);
  for (std::size_t threads : {std::size_t{1}, std::size_t{4}}) {
    for (bool paused : {false, true}) {
      begin_part("submit");
      auto rt = make_runtime(o);
      if (paused) pause_noop(*rt);
      const auto cpu0 = usage::now();
      const auto t0 = clk::now();
      submit_noops(*rt, o.jobs, threads);
      const double s = seconds_between(t0, clk::now());
      std::printf("  submit  threads=%zu  %-26s %8.3f s  %9.0f jobs/s\n", threads,
                  paused ? "type paused (queue only)" : "executors running", s,
                  static_cast<double>(o.jobs) / s);
      print_usage(cpu0, o.jobs);
      stop(rt, paused ? "jobs queued" : "jobs draining");
    }
  }
  std::printf("  load average after: %s\n", loadavg().c_str());
}

void part_drain(const options& o) {
  std::printf(
      "\n== (b) drain throughput: %zu noop jobs, %zu executors, %zu submitting threads ==\n",
      o.jobs, o.executors, o.threads);
  {
    begin_part("drain: submit+run");
    auto rt = make_runtime(o);
    auto counter = std::make_shared<completion_counter>();
    counter->target = o.jobs;
    auto sub = rt->subscribe([counter](const jobforge::job_event& e) { counter->on_event(e); });
    confirm_subscription(*rt, counter->probe_seen);
    const auto cpu0 = usage::now();
    const auto t0 = clk::now();
    submit_noops(*rt, o.jobs, o.threads);
    const auto submitted = clk::now();
    set_phase("drain: waiting for completions");
    counter->wait_all(*rt);
    const double s = seconds_between(t0, counter->done);
    std::printf(
        "  first submit -> last completion          %8.3f s  %9.0f jobs/s"
        "  (submitting took %.3f s)\n",
        s, static_cast<double>(o.jobs) / s, seconds_between(t0, submitted));
    print_usage(cpu0, o.jobs);
    sub.cancel();
    stop(rt, "idle");
  }
  {
    begin_part("drain: pre-queued, subscribed");
    auto rt = make_runtime(o);
    pause_noop(*rt);
    submit_noops(*rt, o.jobs, o.threads);
    auto counter = std::make_shared<completion_counter>();
    counter->target = o.jobs;
    auto sub = rt->subscribe([counter](const jobforge::job_event& e) { counter->on_event(e); });
    confirm_subscription(*rt, counter->probe_seen);
    set_phase("drain: pre-queued, running");
    perf_control(o, "enable");
    const auto cpu0 = usage::now();
    const auto t0 = clk::now();
    if (auto ok = rt->resume_type("noop"); !ok) die("resume_type");
    counter->wait_all(*rt);
    perf_control(o, "disable");
    const double s = seconds_between(t0, counter->done);
    std::printf("  pre-queued: resume -> last completion     %8.3f s  %9.0f jobs/s  (subscribed)\n",
                s, static_cast<double>(o.jobs) / s);
    print_usage(cpu0, o.jobs);
    sub.cancel();
    stop(rt, "idle");
  }
  {
    // No subscriber at all: the runtime builds no events. Completion is
    // seen by asking the store for one job still pending or running (an
    // index lookup). Polling stats() instead would slow the scheduler
    // down: its handler walks every live job.
    begin_part("drain: pre-queued, polled");
    auto rt = make_runtime(o);
    pause_noop(*rt);
    submit_noops(*rt, o.jobs, o.threads);
    set_phase("drain: pre-queued, polling the store");
    jobforge::job_query live;
    live.filter.statuses = std::vector<jobforge::job_status>{jobforge::job_status::pending,
                                                             jobforge::job_status::running};
    live.limit = 1;
    perf_control(o, "enable");
    const auto cpu0 = usage::now();
    const auto t0 = clk::now();
    if (auto ok = rt->resume_type("noop"); !ok) die("resume_type");
    const auto deadline = part_deadline();
    clk::time_point done{};
    std::optional<job_id> last_seen;
    while (clk::now() < deadline) {
      auto p = rt->list(live);
      if (!p) die("list: " + to_string(p.error_value()));
      if (p->items.empty()) {
        done = clk::now();
        break;
      }
      if (p->items.front().id != last_seen) ++g_progress;
      last_seen = p->items.front().id;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    perf_control(o, "disable");
    if (done == clk::time_point{}) timeout_exit("jobs still pending or running", 3, true);
    const double s = seconds_between(t0, done);
    std::printf(
        "  pre-queued: resume -> last completion     %8.3f s  %9.0f jobs/s"
        "  (no subscriber; store polled every 5 ms)\n",
        s, static_cast<double>(o.jobs) / s);
    print_usage(cpu0, o.jobs);
    stop(rt, "idle");
  }
  std::printf("  load average after: %s\n", loadavg().c_str());
}

void part_latency(const options& o) {
  const auto total = static_cast<std::size_t>(o.rate * o.seconds);
  std::printf(
      "\n== (c) submit->start latency: %.0f jobs/s for %.1f s (%zu noop jobs), %zu "
      "executors, idle runtime ==\n",
      o.rate, o.seconds, total, o.executors);
  begin_part("latency");
  auto rt = make_runtime(o);
  struct seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::unordered_map<job_id, clk::time_point> started;  ///< running event seen
    std::atomic<bool> probe_seen{false};
  };
  auto events = std::make_shared<seen>();
  auto sub = rt->subscribe([events](const jobforge::job_event& e) {
    if (e.type == "echo") events->probe_seen = true;
    if (e.what != jobforge::job_event::kind::status || e.to != jobforge::job_status::running ||
        e.type != "noop")
      return;
    const auto t = clk::now();
    ++g_progress;
    std::lock_guard<std::mutex> guard(events->mutex);
    events->started.emplace(e.id, t);
    events->changed.notify_all();
  });
  confirm_subscription(*rt, events->probe_seen);
  // Warm-up (not recorded): allocators, executor threads, CAF's pools.
  submit_noops(*rt, 500, 1);

  struct sample {
    job_id id;
    clk::time_point before, after;
  };
  std::vector<sample> samples;
  samples.reserve(total);
  const auto period =
      std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(1.0 / o.rate));
  const auto deadline = part_deadline();
  set_phase("latency: paced submissions");
  const auto t0 = clk::now();
  std::size_t late = 0;
  for (std::size_t i = 0; i < total && clk::now() < deadline; ++i) {
    const auto due = t0 + period * static_cast<long>(i);
    if (clk::now() < due)
      std::this_thread::sleep_until(due);
    else if (clk::now() - due > period)
      ++late;
    const auto before = clk::now();
    auto r = rt->submit(noop_request());
    const auto after = clk::now();
    ++g_progress;
    if (!r) die("submit: " + to_string(r.error_value()));
    samples.push_back({r->value.id, before, after});
  }
  const double elapsed = seconds_between(t0, clk::now());
  if (samples.size() < total) timeout_exit("pacing loop hit the cap", 3, false);
  set_phase("latency: waiting for the last starts");
  {
    std::unique_lock<std::mutex> lock(events->mutex);
    if (!events->changed.wait_until(lock, deadline,
                                    [&] { return events->started.size() >= samples.size() + 500; }))
      timeout_exit("only " + std::to_string(events->started.size()) + " running events", 3, true);
  }
  std::printf("  achieved rate %.0f jobs/s; submissions more than one period late: %zu\n",
              static_cast<double>(samples.size()) / elapsed, late);

  std::vector<double> call_us, start_us;
  for (const auto& s : samples) {
    call_us.push_back(std::chrono::duration<double, std::micro>(s.after - s.before).count());
    std::lock_guard<std::mutex> guard(events->mutex);
    start_us.push_back(
        std::chrono::duration<double, std::micro>(events->started.at(s.id) - s.before).count());
  }
  print_percentiles("submit() call (until stored)", summarize(call_us), "us");
  print_percentiles("submit() call -> running event seen", summarize(start_us), "us");

  // The job's own timestamps (millisecond resolution): started_at - created_at.
  set_phase("latency: listing jobs");
  std::unordered_map<job_id, double> from_job;
  jobforge::job_query q;
  q.limit = 1000;
  q.order = jobforge::job_order::created_asc;
  for (int page = 0; page < 1000; ++page) {
    auto p = rt->list(q);
    if (!p) die("list: " + to_string(p.error_value()));
    for (const auto& j : p->items)
      if (j.started_at)
        from_job.emplace(j.id, static_cast<double>((*j.started_at - j.created_at).count()));
    ++g_progress;
    if (!p->next_cursor) break;
    q.cursor = p->next_cursor;
  }
  std::vector<double> job_ms;
  for (const auto& s : samples)
    if (auto it = from_job.find(s.id); it != from_job.end()) job_ms.push_back(it->second);
  print_percentiles("job started_at - created_at", summarize(job_ms), "ms (1 ms resolution)");
  sub.cancel();
  stop(rt, "idle");
  std::printf("  load average after: %s\n", loadavg().c_str());
}

void part_memory(const options& o) {
  std::printf("\n== (d) memory: %zu noop jobs queued (type paused), %zu submitting threads ==\n",
              o.queued, o.threads);
  begin_part("memory");
  if (o.only != "memory")
    std::printf(
        "  (earlier parts left freed heap that these jobs may reuse: run --only memory\n"
        "   for a clean figure)\n");
  const long start_rss = proc_status_kib("VmRSS");
  auto rt = make_runtime(o);
  pause_noop(*rt);
  // Warm-up so that thread stacks and CAF's pools count in the baseline.
  submit_noops(*rt, 1000, o.threads);
  const long base_rss = proc_status_kib("VmRSS");
  const long base_hwm = proc_status_kib("VmHWM");
  const auto t0 = clk::now();
  submit_noops(*rt, o.queued, o.threads);
  const double s = seconds_between(t0, clk::now());
  const long rss = proc_status_kib("VmRSS");
  const long hwm = proc_status_kib("VmHWM");
  auto st = rt->stats();
  if (!st) die("stats: " + to_string(st.error_value()));
  std::printf("  submitted %zu in %.3f s (%.0f jobs/s); scheduler reports ready=%zu\n", o.queued, s,
              static_cast<double>(o.queued) / s, st->ready);
  std::printf(
      "  VmRSS before runtime %ld KiB; baseline (runtime + 1000 jobs) VmRSS %ld KiB, VmHWM "
      "%ld KiB\n",
      start_rss, base_rss, base_hwm);
  std::printf("  with %zu queued: VmRSS %ld KiB, VmHWM %ld KiB\n", o.queued, rss, hwm);
  const double per_job =
      1024.0 * static_cast<double>(rss - base_rss) / static_cast<double>(o.queued);
  std::printf(
      "  bytes per queued job (VmRSS delta / jobs)   %8.0f B  (payload {} is 2 bytes of "
      "JSON)\n",
      per_job);
  if (o.drain_after_memory) {
    auto counter = std::make_shared<completion_counter>();
    counter->target = o.queued;
    auto sub = rt->subscribe([counter](const jobforge::job_event& e) { counter->on_event(e); });
    confirm_subscription(*rt, counter->probe_seen);
    set_phase("memory: draining");
    const auto t1 = clk::now();
    if (auto ok = rt->resume_type("noop"); !ok) die("resume_type");
    counter->wait_all(*rt);
    const double ds = seconds_between(t1, counter->done);
    std::printf("  drained %zu in %.3f s (%.0f jobs/s); VmRSS now %ld KiB, VmHWM %ld KiB\n",
                o.queued, ds, static_cast<double>(o.queued) / ds, proc_status_kib("VmRSS"),
                proc_status_kib("VmHWM"));
    sub.cancel();
  }
  stop(rt, o.drain_after_memory ? "idle" : "jobs queued");
  std::printf("  VmRSS after shutdown %ld KiB\n", proc_status_kib("VmRSS"));
  std::printf("  load average after: %s\n", loadavg().c_str());
}

void print_help() {
  std::printf(
      "usage: runtime_bench [--only submit|drain|latency|memory] [--jobs N] [--executors N]\n"
      "                     [--threads N] [--rate R] [--seconds S] [--queued N]\n"
      "                     [--drain-after-memory] [--cap S] [--stall S]\n"
      "                     [--perf-ctl FIFO --perf-ack FIFO]  (perf record -D -1 --control\n"
      "                      fifo:CTL,ACK: samples only the pre-queued drains)\n");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        print_help();
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--only")
      o.only = next();
    else if (a == "--jobs")
      o.jobs = std::stoul(next());
    else if (a == "--executors")
      o.executors = std::stoul(next());
    else if (a == "--threads")
      o.threads = std::max<std::size_t>(1, std::stoul(next()));
    else if (a == "--rate")
      o.rate = std::stod(next());
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--queued")
      o.queued = std::stoul(next());
    else if (a == "--drain-after-memory")
      o.drain_after_memory = true;
    else if (a == "--perf-ctl")
      o.perf_ctl = next();
    else if (a == "--perf-ack")
      o.perf_ack = next();
    else if (a == "--cap")
      o.cap_s = std::stoi(next());
    else if (a == "--stall")
      o.stall_s = std::stoi(next());
    else {
      print_help();
      return a == "--help" || a == "-h" ? 0 : 64;
    }
  }
  if (!o.only.empty() && o.only != "submit" && o.only != "drain" && o.only != "latency" &&
      o.only != "memory") {
    print_help();
    return 64;
  }
  if (o.rate <= 0 || o.seconds <= 0 || o.jobs == 0 || o.executors == 0) {
    print_help();
    return 64;
  }
#ifdef PR_SET_PTRACER
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);  // lets the gdb child attach (Yama)
#endif
  g_cap_s = o.cap_s;
  g_stall_s = o.stall_s;
  g_part_start_ms = now_ms();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("runtime_bench: pid %d, %u hardware threads, load average %s\n", getpid(),
              std::thread::hardware_concurrency(), loadavg().c_str());
  std::printf(
      "options: jobs=%zu executors=%zu threads=%zu rate=%.0f seconds=%.1f queued=%zu "
      "cap=%d s stall=%d s\n",
      o.jobs, o.executors, o.threads, o.rate, o.seconds, o.queued, o.cap_s, o.stall_s);
  std::thread(watchdog).detach();

  auto want = [&](const char* part) { return o.only.empty() || o.only == part; };
  if (want("submit")) part_submit(o);
  if (want("drain")) part_drain(o);
  if (want("latency")) part_latency(o);
  if (want("memory")) part_memory(o);
  std::printf("\ndone\n");
  std::fflush(stdout);
  return 0;
}

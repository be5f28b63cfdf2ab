// Scheduling (SPEC §5): strict priority order, FIFO within a priority,
// aging, per-type concurrency and rate limits, pause/resume, delayed jobs
// and executor capacity, all on simulated time.
#include "runtime_fixture.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

/// A test type that sleeps `ms` of (simulated) time, with the given limits.
job_type sleeper_type(std::string name, int concurrency_limit, rate_limit rate = {}) {
  job_type t;
  t.name = std::move(name);
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.concurrency_limit = concurrency_limit;
  t.rate = rate;
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    std::int64_t ms = 0;
    if (const auto* v = payload.as_object().if_contains("ms")) ms = v->to_number<std::int64_t>();
    if (ms > 0 && !ctx.sleep_for(milliseconds{ms}))
      return handler_result::transient("interrupted", "stopped");
    return handler_result::ok();
  };
  return t;
}

job_request sleep_request(std::int64_t ms, std::optional<priority> p = std::nullopt,
                          std::string type = "sleep") {
  job_request r;
  r.type = std::move(type);
  r.payload = boost::json::object{{"ms", ms}};
  r.priority = p;
  return r;
}

/// Milliseconds from `t0` to `t` (-1 when `t` is absent), printable by Catch.
std::int64_t offset(timestamp t0, const std::optional<timestamp>& t) {
  return t ? (*t - t0).count() : -1;
}

/// Labels of the jobs in the order they started (status events to running).
std::vector<std::string> start_order(const std::vector<job_event>& events,
                                     const std::map<job_id, std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.what != job_event::kind::status || e.to != job_status::running) continue;
    auto it = labels.find(e.id);
    if (it != labels.end()) out.push_back(it->second);
  }
  return out;
}

/// The most jobs running at one instant, from their [started_at, finished_at)
/// intervals (a slot freed and reused at the same instant counts once).
std::size_t max_overlap(const std::vector<job>& jobs) {
  std::vector<std::pair<timestamp, int>> edges;
  for (const auto& j : jobs) {
    REQUIRE(j.started_at);
    REQUIRE(j.finished_at);
    edges.emplace_back(*j.started_at, +1);
    edges.emplace_back(*j.finished_at, -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal times, ends (-1) before starts
  int running = 0;
  int most = 0;
  for (const auto& [at, delta] : edges) {
    running += delta;
    most = std::max(most, running);
  }
  return static_cast<std::size_t>(most);
}

std::vector<job> fetch_all(testing::simulated_runtime& rt, const std::vector<job>& jobs) {
  std::vector<job> out;
  for (const auto& j : jobs)
    out.push_back(fetch(rt, j.id));
  return out;
}

}  // namespace

TEST_CASE("pending jobs start in strict priority order", "[scheduling]") {
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  const job busy = submit_ok(rt, sleep_request(1000));
  REQUIRE(fetch(rt, busy.id).status == job_status::running);

  std::map<job_id, std::string> labels;
  std::vector<std::pair<std::string, job>> queued;
  auto add = [&](const std::string& label, std::optional<priority> p) {
    const job j = submit_ok(rt, sleep_request(100, p));
    CHECK(j.status == job_status::pending);
    labels[j.id] = label;
    queued.emplace_back(label, j);
  };
  add("low", priority::low);
  add("high-1", priority::high);
  add("normal-1", priority::normal);
  add("critical", priority::critical);
  add("normal-default", std::nullopt);
  add("high-2", priority::high);

  const auto waiting = rt.stats();
  CHECK(waiting.ready == 6);
  CHECK(waiting.idle_executors == 0);
  CHECK(waiting.ready_by_priority[static_cast<int>(priority::low)] == 1);
  CHECK(waiting.ready_by_priority[static_cast<int>(priority::normal)] == 2);
  CHECK(waiting.ready_by_priority[static_cast<int>(priority::high)] == 2);
  CHECK(waiting.ready_by_priority[static_cast<int>(priority::critical)] == 1);
  for (const auto& [label, j] : queued)
    CHECK(fetch(rt, j.id).status == job_status::pending);

  rt.advance(2s);
  const std::vector<std::string> expected{"critical", "high-1",         "high-2",
                                          "normal-1", "normal-default", "low"};
  CHECK(start_order(rt.events(), labels) == expected);
  // Each starts when its predecessor's 100 ms are over.
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto it = std::find_if(queued.begin(), queued.end(),
                                 [&](const auto& q) { return q.first == expected[i]; });
    REQUIRE(it != queued.end());
    const job done = fetch(rt, it->second.id);
    INFO(expected[i]);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 1000 + 100 * static_cast<std::int64_t>(i));
    CHECK(valid_history(done));
  }
  CHECK(fetch(rt, queued[4].second.id).priority == priority::normal);
}

TEST_CASE("jobs of the same priority start first in, first out", "[scheduling]") {
  runtime_config config;
  config.executors = 1;
  config.aging.per_level = 0ms;  // strict order without aging
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  submit_ok(rt, sleep_request(1000));

  std::map<job_id, std::string> labels;
  std::vector<job> queued;
  std::vector<std::string> expected;
  for (int i = 0; i < 8; ++i) {
    const job j = submit_ok(rt, sleep_request(10, priority::high));
    labels[j.id] = "job-" + std::to_string(i);
    expected.push_back(labels[j.id]);
    queued.push_back(j);
    if (i % 3 == 2) rt.advance(10ms);  // some at the same instant, some later
  }
  rt.advance(2s);
  CHECK(start_order(rt.events(), labels) == expected);
  for (std::size_t i = 0; i < queued.size(); ++i) {
    const job done = fetch(rt, queued[i].id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 1000 + 10 * static_cast<std::int64_t>(i));
  }
}

TEST_CASE("aging: a low job that waited long enough starts before a fresher high job",
          "[scheduling]") {
  runtime_config config;
  config.executors = 1;
  config.aging.per_level = 1s;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  submit_ok(rt, sleep_request(10'000));

  std::map<job_id, std::string> labels;
  const job low = submit_ok(rt, sleep_request(100, priority::low));
  labels[low.id] = "low";
  rt.advance(1500ms);
  // Waited 1.5 s less than the low job: 2 levels minus 1.5 s of aging puts it ahead.
  const job early_high = submit_ok(rt, sleep_request(100, priority::high));
  labels[early_high.id] = "early-high";
  rt.advance(1500ms);
  // Waited 3 s less: 2 levels minus 3 s of aging puts it behind.
  const job late_high = submit_ok(rt, sleep_request(100, priority::high));
  labels[late_high.id] = "late-high";

  rt.advance(8s);  // the busy job ends at t0 + 10 s
  CHECK(start_order(rt.events(), labels) ==
        std::vector<std::string>{"early-high", "low", "late-high"});
  CHECK(offset(t0, fetch(rt, early_high.id).started_at) == 10'000);
  CHECK(offset(t0, fetch(rt, low.id).started_at) == 10'100);
  CHECK(offset(t0, fetch(rt, late_high.id).started_at) == 10'200);
  // Aging orders the queue; it does not change the job's recorded priority.
  CHECK(fetch(rt, low.id).priority == priority::low);
}

namespace {

struct stream_outcome {
  job low;
  std::size_t highs_before_low = 0;
  std::size_t highs_started = 0;
};

/// One executor; a low job queued at t0 behind a busy job; then two high jobs
/// of one second each arrive every second for `seconds` seconds (more work
/// than the executor can do, so high jobs are always waiting).
stream_outcome run_high_stream(milliseconds per_level, int seconds) {
  runtime_config config;
  config.executors = 1;
  config.aging.per_level = per_level;
  testing::simulated_runtime rt(demo_registry(), config);
  submit_ok(rt, sleep_request(1000));
  const job low = submit_ok(rt, sleep_request(1000, priority::low));
  std::map<job_id, std::string> labels{{low.id, "low"}};
  for (int s = 0; s < seconds; ++s) {
    for (int k = 0; k < 2; ++k)
      labels[submit_ok(rt, sleep_request(1000, priority::high)).id] = "high";
    rt.advance(1s);
  }
  stream_outcome out;
  out.low = fetch(rt, low.id);
  bool low_seen = false;
  for (const auto& label : start_order(rt.events(), labels)) {
    if (label == "low") {
      low_seen = true;
      continue;
    }
    ++out.highs_started;
    if (!low_seen) ++out.highs_before_low;
  }
  return out;
}

}  // namespace

TEST_CASE("aging: a steady stream of high jobs cannot starve a low job", "[scheduling]") {
  const timestamp t0 = from_unix_ms(1'767'225'600'000);  // the harness's default start

  SECTION("with aging the low job starts after a bounded number of dispatches") {
    const auto out = run_high_stream(1s, 20);
    CHECK(out.low.status == job_status::completed);
    // High jobs queued up to 2 s after the low one go first (2 levels = 2 s of
    // aging; at exactly 2 s the older low job wins the tie): four of them.
    CHECK(out.highs_before_low == 4);
    CHECK(offset(t0, out.low.started_at) == 5000);
    CHECK(out.highs_started > 10);  // the stream kept running after it
  }

  SECTION("without aging the same stream starves it (the contrast)") {
    const auto out = run_high_stream(0ms, 20);
    CHECK(out.low.status == job_status::pending);
    CHECK(out.low.attempts == 0);
    CHECK(out.highs_before_low == out.highs_started);
    CHECK(out.highs_started == 20);  // one per second, from the busy job's end at 1 s
  }
}

TEST_CASE("a per-type concurrency limit caps running jobs of that type only", "[scheduling]") {
  runtime_config config;
  config.executors = 8;
  testing::simulated_runtime rt(demo_registry([](job_type_registry& types) {
                                  REQUIRE(types.add(sleeper_type("limited", 2)));
                                }),
                                config);
  const timestamp t0 = rt.now();
  std::vector<job> limited;
  for (int i = 0; i < 7; ++i)
    limited.push_back(submit_ok(rt, sleep_request(1000, std::nullopt, "limited")));

  std::size_t running = 0;
  for (const auto& j : limited)
    if (fetch(rt, j.id).status == job_status::running) ++running;
  CHECK(running == 2);
  auto stats = rt.stats();
  CHECK(stats.ready == 5);
  CHECK(stats.idle_executors == 6);  // free executors, but the type is at its limit

  // Other types are not held back by the limit.
  const job other = submit_ok(rt, sleep_request(500));
  CHECK(fetch(rt, other.id).status == job_status::running);
  CHECK(offset(t0, fetch(rt, other.id).started_at) == 0);

  rt.advance(10s);
  const auto done = fetch_all(rt, limited);
  for (const auto& j : done)
    CHECK(j.status == job_status::completed);
  CHECK(max_overlap(done) == 2);
  const std::vector<std::int64_t> expected{0, 0, 1000, 1000, 2000, 2000, 3000};
  std::vector<std::int64_t> starts;
  for (const auto& j : done)
    starts.push_back(offset(t0, j.started_at));
  CHECK(starts == expected);
  stats = rt.stats();
  CHECK(stats.ready == 0);
  CHECK(stats.idle_executors == 8);
}

TEST_CASE("a rate limit spaces the starts of a type in simulated time", "[scheduling]") {
  rate_limit rate;
  rate.per_second = 2;
  rate.burst = 1;
  testing::simulated_runtime rt(demo_registry(
      [&](job_type_registry& types) { REQUIRE(types.add(sleeper_type("rated", 0, rate))); }));
  const timestamp t0 = rt.now();
  std::vector<job> rated;
  for (int i = 0; i < 5; ++i)
    rated.push_back(submit_ok(rt, sleep_request(0, std::nullopt, "rated")));
  CHECK(fetch(rt, rated[0].id).status == job_status::completed);
  for (std::size_t i = 1; i < rated.size(); ++i)
    CHECK(fetch(rt, rated[i].id).status == job_status::pending);

  // Other types are not rate limited.
  const job other = submit_ok(rt, request("noop"));
  CHECK(fetch(rt, other.id).status == job_status::completed);

  rt.advance(499ms);
  CHECK(fetch(rt, rated[1].id).status == job_status::pending);
  rt.advance(1ms);
  CHECK(fetch(rt, rated[1].id).status == job_status::completed);
  CHECK(fetch(rt, rated[2].id).status == job_status::pending);

  rt.advance(5s);
  for (std::size_t i = 0; i < rated.size(); ++i) {
    const job done = fetch(rt, rated[i].id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 500 * static_cast<std::int64_t>(i));
  }
}

TEST_CASE("a rate limit with a burst starts that many at once, then paces them", "[scheduling]") {
  rate_limit rate;
  rate.per_second = 1;
  rate.burst = 3;
  testing::simulated_runtime rt(demo_registry(
      [&](job_type_registry& types) { REQUIRE(types.add(sleeper_type("bursty", 0, rate))); }));
  const timestamp t0 = rt.now();
  std::vector<job> jobs;
  for (int i = 0; i < 5; ++i)
    jobs.push_back(submit_ok(rt, sleep_request(0, std::nullopt, "bursty")));
  rt.advance(5s);
  std::vector<std::int64_t> starts;
  for (const auto& j : fetch_all(rt, jobs))
    starts.push_back(offset(t0, j.started_at));
  CHECK(starts == std::vector<std::int64_t>{0, 0, 0, 1000, 2000});
}

TEST_CASE("pause holds a type's jobs pending while others run, and resume starts them",
          "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  const job running = submit_ok(rt, sleep_request(2000));
  REQUIRE(fetch(rt, running.id).status == job_status::running);

  REQUIRE(rt.pause_type("sleep"));
  const job a = submit_ok(rt, sleep_request(100));
  const job b = submit_ok(rt, sleep_request(100));
  const job other = submit_ok(rt, request("noop"));
  CHECK(fetch(rt, other.id).status == job_status::completed);
  CHECK(fetch(rt, a.id).status == job_status::pending);
  CHECK(fetch(rt, b.id).status == job_status::pending);
  CHECK(rt.stats().ready == 2);

  rt.advance(5s);
  // The job already running when the type was paused finishes normally.
  CHECK(fetch(rt, running.id).status == job_status::completed);
  CHECK(fetch(rt, a.id).status == job_status::pending);
  CHECK(fetch(rt, a.id).attempts == 0);
  CHECK(fetch(rt, b.id).status == job_status::pending);

  REQUIRE(rt.resume_type("sleep"));
  CHECK(fetch(rt, a.id).status == job_status::running);
  CHECK(fetch(rt, b.id).status == job_status::running);
  CHECK(offset(t0, fetch(rt, a.id).started_at) == 5000);
  rt.advance(100ms);
  CHECK(fetch(rt, a.id).status == job_status::completed);
  CHECK(fetch(rt, b.id).status == job_status::completed);
  CHECK(rt.stats().ready == 0);
}

TEST_CASE("a delayed job of a paused type becomes pending at run_at and waits for resume",
          "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  REQUIRE(rt.pause_type("noop"));
  auto r = request("noop");
  r.run_in_ms = 1000;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(1s);
  CHECK(fetch(rt, j.id).status == job_status::pending);
  rt.advance(2s);
  CHECK(fetch(rt, j.id).status == job_status::pending);
  REQUIRE(rt.resume_type("noop"));
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(offset(t0, done.started_at) == 3000);
}

TEST_CASE("pausing or resuming an unknown type is unknown_job_type", "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  auto paused = rt.pause_type("no.such.type");
  REQUIRE_FALSE(paused.has_value());
  CHECK(paused.error_value().code == error_code::unknown_job_type);
  auto resumed = rt.resume_type("no.such.type");
  REQUIRE_FALSE(resumed.has_value());
  CHECK(resumed.error_value().code == error_code::unknown_job_type);
  // Nothing else was paused by it.
  const job j = submit_ok(rt, request("noop"));
  CHECK(fetch(rt, j.id).status == job_status::completed);
}

TEST_CASE("run_in_ms: a delayed job is scheduled and runs exactly at run_at", "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  auto r = request("noop");
  r.run_in_ms = 5000;
  const job j = submit_ok(rt, std::move(r));
  CHECK(j.status == job_status::scheduled);
  REQUIRE(j.run_at);
  CHECK(offset(t0, j.run_at) == 5000);
  CHECK(rt.stats().scheduled == 1);

  rt.advance(4999ms);
  CHECK(fetch(rt, j.id).status == job_status::scheduled);
  CHECK(fetch(rt, j.id).attempts == 0);
  rt.advance(1ms);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(offset(t0, done.started_at) == 5000);
  CHECK(path_of(done) == std::vector<job_status>{job_status::scheduled, job_status::pending,
                                                 job_status::running, job_status::completed});
  REQUIRE(done.history.size() == 4);
  CHECK(offset(t0, done.history[1].at) == 5000);  // became pending at run_at
  CHECK(valid_history(done));
  CHECK(rt.stats().scheduled == 0);
}

TEST_CASE("run_at: several delayed jobs each run at their own instant", "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  std::vector<job> jobs;
  for (std::int64_t at : {3000, 1000, 2000, 1000}) {
    auto r = request("noop");
    r.run_at = t0 + milliseconds{at};
    jobs.push_back(submit_ok(rt, std::move(r)));
    CHECK(jobs.back().status == job_status::scheduled);
  }
  rt.advance(1000ms);
  CHECK(fetch(rt, jobs[1].id).status == job_status::completed);
  CHECK(fetch(rt, jobs[3].id).status == job_status::completed);
  CHECK(fetch(rt, jobs[2].id).status == job_status::scheduled);
  CHECK(fetch(rt, jobs[0].id).status == job_status::scheduled);
  rt.advance(5s);
  const std::vector<std::int64_t> expected{3000, 1000, 2000, 1000};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const job done = fetch(rt, jobs[i].id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == expected[i]);
  }
}

TEST_CASE("run_at in the past runs at once", "[scheduling]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  auto r = request("noop");
  r.run_at = t0 - 1h;
  const job j = submit_ok(rt, std::move(r));
  CHECK(j.status == job_status::pending);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(offset(t0, done.started_at) == 0);
  CHECK(path_of(done) ==
        std::vector<job_status>{job_status::pending, job_status::running, job_status::completed});
}

TEST_CASE("a delayed job keeps its priority against jobs queued before its time", "[scheduling]") {
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  submit_ok(rt, sleep_request(3000));
  const job normal = submit_ok(rt, sleep_request(100));
  auto r = sleep_request(100, priority::critical);
  r.run_in_ms = 1000;
  const job critical = submit_ok(rt, std::move(r));
  rt.advance(1s);
  CHECK(fetch(rt, critical.id).status == job_status::pending);
  rt.advance(5s);
  CHECK(offset(t0, fetch(rt, critical.id).started_at) == 3000);
  CHECK(offset(t0, fetch(rt, normal.id).started_at) == 3100);
}

TEST_CASE("never more jobs run than there are executors", "[scheduling]") {
  runtime_config config;
  config.executors = 3;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();

  SECTION("equal jobs run in waves of three") {
    std::vector<job> jobs;
    for (int i = 0; i < 10; ++i)
      jobs.push_back(submit_ok(rt, sleep_request(1000)));
    auto stats = rt.stats();
    CHECK(stats.executors == 3);
    CHECK(stats.idle_executors == 0);
    CHECK(stats.ready == 7);
    rt.advance(10s);
    const auto done = fetch_all(rt, jobs);
    CHECK(max_overlap(done) == 3);
    std::vector<std::int64_t> starts;
    for (const auto& j : done) {
      CHECK(j.status == job_status::completed);
      starts.push_back(offset(t0, j.started_at));
    }
    CHECK(starts == std::vector<std::int64_t>{0, 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000});
    stats = rt.stats();
    CHECK(stats.idle_executors == 3);
    CHECK(stats.ready == 0);
  }

  SECTION("uneven jobs: at most three at once, and a freed slot is reused at once") {
    std::vector<job> jobs;
    for (std::int64_t ms : {700, 300, 1100, 200, 900, 400, 1000, 100, 600, 500})
      jobs.push_back(submit_ok(rt, sleep_request(ms)));
    rt.advance(10s);
    const auto done = fetch_all(rt, jobs);
    CHECK(max_overlap(done) == 3);
    for (const auto& j : done) {
      CHECK(j.status == job_status::completed);
      REQUIRE(j.started_at);
      // Work-conserving: every job started at t0 or when another one finished.
      const bool at_start = *j.started_at == t0;
      const bool at_a_finish = std::any_of(done.begin(), done.end(), [&](const job& o) {
        return o.finished_at && *o.finished_at == *j.started_at;
      });
      CHECK((at_start || at_a_finish));
    }
  }
}

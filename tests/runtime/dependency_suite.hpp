#pragma once
// The dependency suite: what parents decide for their dependents, on every
// store. A finished parent is no longer held by the scheduler and is read
// back from the store when a dependent names it, so these cases run on each
// backend (registered in dependency_test.cpp, which adds the cases that only
// the scheduler's memory decides).
#include "runtime_fixture.hpp"
#include "store_backends.hpp"

#include <map>
#include <memory>
#include <utility>

namespace jobforge::dependency_suite {

using namespace jobforge::test;
using namespace std::chrono_literals;

/// Sleeps `ms` of simulated time, then fails for good.
inline job_type doomed_type() {
  job_type t;
  t.name = "doomed";
  t.schema = boost::json::parse(R"({"type": "object", "required": ["ms"]})");
  t.sample_payload = boost::json::parse(R"({"ms": 1})");
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    (void)ctx.sleep_for(milliseconds{payload.at("ms").to_number<std::int64_t>()});
    return handler_result::permanent("doomed", "this job always fails");
  };
  return t;
}

inline job_type_registry registry() {
  return demo_registry([](job_type_registry& types) { REQUIRE(types.add(doomed_type())); });
}

inline job_request sleeper(std::int64_t ms) {
  job_request r;
  r.type = "sleep";
  r.payload = boost::json::object{{"ms", ms}};
  return r;
}

inline job_request doomed(std::int64_t ms) {
  job_request r;
  r.type = "doomed";
  r.payload = boost::json::object{{"ms", ms}};
  return r;
}

inline job_request child_of(
    job_request r, std::vector<job_id> parents, dependency_mode mode = dependency_mode::all,
    dependency_failure_policy on_failure = dependency_failure_policy::cancel) {
  r.dependencies.depends_on = std::move(parents);
  r.dependencies.mode = mode;
  r.dependencies.on_failure = on_failure;
  return r;
}

inline std::int64_t offset(timestamp t0, const std::optional<timestamp>& t) {
  return t ? (*t - t0).count() : -1;
}

inline std::size_t stored_jobs(testing::simulated_runtime& rt) {
  job_query q;
  q.limit = 1000;
  auto page = rt.list(q);
  REQUIRE(page.has_value());
  return page->items.size();
}

/// Checks that `id` was canceled by the scheduler because of a dependency, at `at`.
inline void check_canceled_by_dependency(testing::simulated_runtime& rt, const job_id& id,
                                         timestamp at) {
  const job c = fetch(rt, id);
  CHECK(c.status == job_status::canceled);
  CHECK(c.attempts == 0);
  CHECK_FALSE(c.started_at.has_value());
  CHECK(c.canceled_at == at);
  REQUIRE(c.cancel_reason);
  CHECK(c.cancel_reason->find("depend") != std::string::npos);
  CHECK(c.canceled_by == std::string("scheduler"));
  CHECK(valid_history(c));
}

template <class Backend>
void chain_runs_in_order() {
  typename Backend::storage data;
  testing::simulated_runtime rt(registry(), {}, 1, data.open());
  const timestamp t0 = rt.now();
  const job a = submit_ok(rt, sleeper(1000));
  const job b = submit_ok(rt, child_of(sleeper(1000), {a.id}));
  const job c = submit_ok(rt, child_of(request("noop"), {b.id}));
  CHECK(b.status == job_status::blocked);
  CHECK(c.status == job_status::blocked);
  CHECK(rt.stats().blocked == 2);

  rt.advance(999ms);
  CHECK(fetch(rt, a.id).status == job_status::running);
  CHECK(fetch(rt, b.id).status == job_status::blocked);
  rt.advance(1ms);
  CHECK(fetch(rt, a.id).status == job_status::completed);
  CHECK(fetch(rt, b.id).status == job_status::running);
  CHECK(fetch(rt, c.id).status == job_status::blocked);
  rt.advance(1s);
  const job done_b = fetch(rt, b.id);
  const job done_c = fetch(rt, c.id);
  CHECK(done_c.status == job_status::completed);
  CHECK(offset(t0, done_b.started_at) == 1000);
  CHECK(offset(t0, done_c.started_at) == 2000);
  CHECK(path_of(done_c) == std::vector<job_status>{job_status::blocked, job_status::pending,
                                                   job_status::running, job_status::completed});
  CHECK(valid_history(done_b));
  CHECK(valid_history(done_c));
  CHECK(rt.stats().blocked == 0);
}

template <class Backend>
void failed_parent_cancels_transitively() {
  typename Backend::storage data;
  testing::simulated_runtime rt(registry(), {}, 1, data.open());
  const timestamp t0 = rt.now();
  const job a = submit_ok(rt, doomed(1000));
  const job b = submit_ok(rt, child_of(sleeper(100), {a.id}));
  const job c = submit_ok(rt, child_of(request("noop"), {b.id}));
  const job d = submit_ok(rt, child_of(request("noop"), {c.id}));
  const job unrelated_parent = submit_ok(rt, sleeper(2000));
  const job unrelated = submit_ok(rt, child_of(request("noop"), {unrelated_parent.id}));
  auto waiting = rt.wait(d.id);
  CHECK_FALSE(waiting.ready());

  rt.advance(1s);
  CHECK(fetch(rt, a.id).status == job_status::failed);
  check_canceled_by_dependency(rt, b.id, t0 + 1000ms);
  check_canceled_by_dependency(rt, c.id, t0 + 1000ms);
  check_canceled_by_dependency(rt, d.id, t0 + 1000ms);
  REQUIRE(waiting.ready());
  REQUIRE(waiting.get().has_value());
  CHECK(waiting.get()->status == job_status::canceled);
  CHECK(fetch(rt, unrelated.id).status == job_status::blocked);
  CHECK(rt.stats().blocked == 1);

  // Status events announce each cancellation.
  std::size_t canceled_events = 0;
  for (const auto& e : rt.events())
    if (e.what == job_event::kind::status && e.to == job_status::canceled) {
      ++canceled_events;
      CHECK(e.from == job_status::blocked);
    }
  CHECK(canceled_events == 3);

  rt.advance(5s);
  CHECK(fetch(rt, unrelated.id).status == job_status::completed);
  CHECK(fetch(rt, b.id).status == job_status::canceled);  // for good
}

template <class Backend>
void completed_parent_runs_at_once() {
  typename Backend::storage data;
  testing::simulated_runtime rt(registry(), {}, 1, data.open());
  const timestamp t0 = rt.now();
  const job parent = submit_ok(rt, request("noop"));
  REQUIRE(fetch(rt, parent.id).status == job_status::completed);

  SECTION("its only parent is done") {
    const job child = submit_ok(rt, child_of(request("echo", R"({"x": 1})"), {parent.id}));
    CHECK(child.status == job_status::pending);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 0);
    CHECK(path_of(done) ==
          std::vector<job_status>{job_status::pending, job_status::running, job_status::completed});
    CHECK(valid_history(done));
  }

  SECTION("one parent is done, the other still runs") {
    const job other = submit_ok(rt, sleeper(2000));
    const job child = submit_ok(rt, child_of(request("noop"), {parent.id, other.id}));
    CHECK(child.status == job_status::blocked);
    rt.advance(1999ms);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 2000);
  }
}

template <class Backend>
void unsuccessful_parent() {
  typename Backend::storage data;
  testing::simulated_runtime rt(registry(), {}, 1, data.open());
  const job failed = submit_ok(rt, doomed(0));
  REQUIRE(fetch(rt, failed.id).status == job_status::failed);

  SECTION("a failed parent with policy cancel: the child ends canceled") {
    const job child = submit_ok(rt, child_of(request("noop"), {failed.id}));
    const job now = fetch(rt, child.id);
    CHECK(now.status == job_status::canceled);
    CHECK(now.attempts == 0);
    CHECK(now.cancel_reason.has_value());
    CHECK(valid_history(now));
    rt.advance(10s);
    CHECK(fetch(rt, child.id).status == job_status::canceled);
    auto waited = rt.wait(child.id);
    REQUIRE(waited.ready());
    REQUIRE(waited.get().has_value());
    CHECK(waited.get()->status == job_status::canceled);
  }

  SECTION("a canceled parent with policy cancel: the child ends canceled") {
    const job parked = [&] {
      auto r = request("noop");
      r.run_in_ms = 60'000;
      return submit_ok(rt, std::move(r));
    }();
    auto reply = rt.cancel(parked.id);
    REQUIRE(reply.ready());
    REQUIRE(reply.get().has_value());
    const job child = submit_ok(rt, child_of(request("noop"), {parked.id}));
    CHECK(fetch(rt, child.id).status == job_status::canceled);
  }

  SECTION("a failed parent with policy run: the child runs at once") {
    const job child = submit_ok(rt, child_of(request("noop"), {failed.id}, dependency_mode::all,
                                             dependency_failure_policy::run));
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(valid_history(done));
  }
}

template <class Backend>
void unknown_parent_refused() {
  typename Backend::storage data;
  testing::simulated_runtime rt(registry(), {}, 1, data.open());
  const job known = submit_ok(rt, sleeper(1000));
  const std::size_t jobs_before = stored_jobs(rt);
  const std::size_t events_before = rt.events().size();
  const job_id unknown = job_id::generate(*make_seeded_random(4242));

  SECTION("the only parent is unknown") {
    auto r = rt.submit(child_of(request("noop"), {unknown}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error_value().code == error_code::invalid_argument);
    REQUIRE(r.error_value().details.is_object());
    CHECK(r.error_value().details.at("job_id") == boost::json::value(to_string(unknown)));
  }

  SECTION("one parent known, one unknown") {
    auto r = rt.submit(child_of(request("noop"), {known.id, unknown}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error_value().code == error_code::invalid_argument);
  }

  CHECK(stored_jobs(rt) == jobs_before);
  CHECK(rt.events().size() == events_before);
  CHECK(rt.stats().blocked == 0);
  rt.advance(5s);
  CHECK(fetch(rt, known.id).status == job_status::completed);
  CHECK(stored_jobs(rt) == jobs_before);
}

template <class Backend>
void dependency_timeout_decides() {
  typename Backend::storage data;
  auto rt =
      std::make_unique<testing::simulated_runtime>(registry(), runtime_config{}, 1, data.open());
  const timestamp t0 = rt->now();
  const job slow = submit_ok(*rt, sleeper(60'000));
  auto timed = [&](dependency_failure_policy policy) {
    auto r = child_of(request("noop"), {slow.id}, dependency_mode::all, policy);
    r.dependencies.timeout_ms = 5'000;
    return r;
  };

  SECTION("policy cancel: still blocked at the timeout, it is canceled") {
    const job child = submit_ok(*rt, timed(dependency_failure_policy::cancel));
    const job grandchild = submit_ok(*rt, child_of(request("noop"), {child.id}));
    CHECK(child.dependencies.timeout_ms == 5'000);
    rt->advance(4'999ms);
    CHECK(fetch(*rt, child.id).status == job_status::blocked);
    rt->advance(1ms);
    check_canceled_by_dependency(*rt, child.id, t0 + 5s);
    CHECK(fetch(*rt, child.id).cancel_reason ==
          std::string("dependency timeout: 1 of 1 parents unfinished"));
    // Its own dependents hear of it as of any canceled parent.
    check_canceled_by_dependency(*rt, grandchild.id, t0 + 5s);
    CHECK(fetch(*rt, slow.id).status == job_status::running);  // the parent is not touched
    CHECK(rt->stats().blocked == 0);
  }
  SECTION("policy run: still blocked at the timeout, it runs") {
    const job child = submit_ok(*rt, timed(dependency_failure_policy::run));
    rt->advance(5s);
    const job done = fetch(*rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(done.started_at == t0 + 5s);
    CHECK(done.history.at(1).reason == "dependency timeout: 1 of 1 parents unfinished");
    CHECK(valid_history(done));
    rt->advance(60s);
    CHECK(fetch(*rt, slow.id).status == job_status::completed);
    CHECK(fetch(*rt, child.id).attempts == 1);  // the parent's end changes nothing more
  }
  SECTION("parents that finish in time: the timeout never fires") {
    const job quick = submit_ok(*rt, sleeper(1000));
    auto r = timed(dependency_failure_policy::cancel);
    r.dependencies.depends_on = {quick.id};
    const job child = submit_ok(*rt, std::move(r));
    rt->advance(10s);
    const job done = fetch(*rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(done.started_at == t0 + 1s);
  }
  SECTION("the timeout counts from the submission, across a restart") {
    const job child = submit_ok(*rt, timed(dependency_failure_policy::cancel));
    rt->advance(2s);
    rt.reset();  // down for a second: the slow parent is interrupted
    rt = std::make_unique<testing::simulated_runtime>(registry(), runtime_config{}, 2, data.open(),
                                                      t0 + 3s);
    CHECK(fetch(*rt, child.id).status == job_status::blocked);
    CHECK(fetch(*rt, child.id).dependencies.timeout_ms == 5'000);
    rt->advance(1'999ms);
    CHECK(fetch(*rt, child.id).status == job_status::blocked);
    rt->advance(1ms);
    check_canceled_by_dependency(*rt, child.id, t0 + 5s);
  }
}

}  // namespace jobforge::dependency_suite

#define JOBFORGE_DEPENDENCY_CASE_(backend, label, title, behaviour)       \
  JOBFORGE_RUNTIME_BACKEND_CASE_(backend, label, "[dependencies]", title, \
                                 ::jobforge::dependency_suite::behaviour)

/// Registers the dependency suite for `backend` (a type with a `storage`,
/// see store_backends.hpp); `label` (a string literal) names and tags its cases.
#define JOBFORGE_DEPENDENCY_SUITE(backend, label)                                                 \
  JOBFORGE_DEPENDENCY_CASE_(backend, label, "a chain a <- b <- c runs in order",                  \
                            chain_runs_in_order)                                                  \
  JOBFORGE_DEPENDENCY_CASE_(                                                                      \
      backend, label, "a failed parent with policy cancel cancels its dependents transitively",   \
      failed_parent_cancels_transitively)                                                         \
  JOBFORGE_DEPENDENCY_CASE_(backend, label, "depending on an already-completed job runs at once", \
                            completed_parent_runs_at_once)                                        \
  JOBFORGE_DEPENDENCY_CASE_(backend, label, "depending on an already-finished unsuccessful job",  \
                            unsuccessful_parent)                                                  \
  JOBFORGE_DEPENDENCY_CASE_(backend, label,                                                       \
                            "an unknown parent id is refused and nothing is stored",              \
                            unknown_parent_refused)                                               \
  JOBFORGE_DEPENDENCY_CASE_(backend, label,                                                       \
                            "a dependency timeout cancels or runs a job still blocked",           \
                            dependency_timeout_decides)

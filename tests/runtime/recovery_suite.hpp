#pragma once
// The recovery suite: after a stop, a second runtime on the first one's
// store resumes every unfinished job. Written once over the backend and
// registered for each store (tests/runtime/recovery_test.cpp) with
//
//   JOBFORGE_RECOVERY_SUITE(sqlite_backend, "sqlite")
//
// Each restart opens the store anew (store_backends.hpp): a new connection
// to the same SQLite file or PostgreSQL database, so what a restart sees is
// what the last run committed. The e2e crash test covers a real process
// killed mid-write.
#include "runtime_fixture.hpp"
#include "store_backends.hpp"

#include "model/job_factory.hpp"

namespace jobforge::recovery_suite {

using namespace jobforge::test;
using namespace std::chrono_literals;

using runtime_ptr = std::unique_ptr<testing::simulated_runtime>;

// Each start draws job ids from a new seed, as a restarted process would.
inline runtime_ptr start(const std::shared_ptr<store>& backend, timestamp at) {
  static std::uint64_t seed = 7;
  return std::make_unique<testing::simulated_runtime>(demo_registry(), runtime_config{}, ++seed,
                                                      backend, at);
}

/// The interrupted entries of a history: running -> pending, kind crash.
inline std::size_t interruptions(const job& j) {
  std::size_t n = 0;
  for (const auto& h : j.history)
    if (h.from == job_status::running && h.to == job_status::pending && h.error &&
        h.error->kind == error_kind::crash)
      ++n;
  return n;
}

/// A job as a previous run left it in the store, built through the real
/// factory and transitions so that its history is valid.
inline job stored_job(const job_type_registry& types, job_request r, std::uint64_t seed,
                      timestamp at, std::vector<job_status> path) {
  auto j = types.prepare(r, job_id::generate(*make_seeded_random(seed)), at);
  REQUIRE(j.has_value());
  for (auto s : path) {
    transition_note note;
    if (s == job_status::failed) note.error = job_error{"boom", "failed", error_kind::permanent};
    REQUIRE(transition(*j, s, at, note));
  }
  return *j;
}

inline void put(store& s, const job& j) {
  REQUIRE(s.apply({put_job{std::make_shared<const job>(j)}}));
}

template <class Backend>
void running_job_runs_again() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  const job j = submit_ok(*first, request("sleep", R"({"ms": 10000})"));
  first->advance(2s);
  REQUIRE(fetch(*first, j.id).status == job_status::running);
  const timestamp stopped_at = first->now();
  first.reset();  // the process goes away mid-attempt

  auto second = start(data.open(), stopped_at + 1min);
  job now = fetch(*second, j.id);
  CHECK(now.status == job_status::running);  // back to pending, then dispatched at once
  CHECK(now.attempts == 2);
  CHECK(interruptions(now) == 1);
  CHECK(now.last_error.has_value());
  CHECK(now.last_error->code == "interrupted");
  CHECK(valid_history(now));
  second->advance(10s);
  now = fetch(*second, j.id);
  CHECK(now.status == job_status::completed);
  CHECK(path_of(now) == std::vector<job_status>{job_status::pending, job_status::running,
                                                job_status::pending, job_status::running,
                                                job_status::completed});
}

template <class Backend>
void backoff_survives_restart() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  auto r = request("fail", R"({"times": 1})");
  r.retry.initial_backoff_ms = 60'000;
  r.retry.max_backoff_ms = 60'000;
  r.retry.jitter = 0.0;
  const timestamp t0 = first->now();
  const job j = submit_ok(*first, std::move(r));
  job now = fetch(*first, j.id);
  REQUIRE(now.status == job_status::retrying);
  CHECK(now.next_attempt_at == t0 + 60s);
  first->advance(10s);
  first.reset();

  auto second = start(data.open(), t0 + 30s);  // down for 20 s
  second->advance(29'999ms);
  CHECK(fetch(*second, j.id).status == job_status::retrying);
  second->advance(1ms);  // t0 + 60 s, the instant the backoff ends
  now = fetch(*second, j.id);
  CHECK(now.status == job_status::completed);
  CHECK(now.attempts == 2);
  CHECK(now.started_at == t0 + 60s);
  CHECK_FALSE(now.next_attempt_at.has_value());
  CHECK(interruptions(now) == 0);
}

template <class Backend>
void backoff_ended_while_down() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  auto r = request("fail", R"({"times": 1})");
  r.retry.initial_backoff_ms = 5'000;
  r.retry.jitter = 0.0;
  const timestamp t0 = first->now();
  const job j = submit_ok(*first, std::move(r));
  first.reset();

  auto second = start(data.open(), t0 + 1h);
  const job now = fetch(*second, j.id);
  CHECK(now.status == job_status::completed);
  CHECK(now.started_at == t0 + 1h);
}

template <class Backend>
void delayed_jobs_keep_run_at() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  const timestamp t0 = first->now();
  auto soon = request("noop");
  soon.run_in_ms = 5 * 60'000;
  auto late = request("noop");
  late.run_in_ms = 60 * 60'000;
  const job a = submit_ok(*first, std::move(soon));
  const job b = submit_ok(*first, std::move(late));
  first->advance(1min);
  first.reset();

  auto second = start(data.open(), t0 + 10min);  // a's time passed while down
  CHECK(fetch(*second, a.id).status == job_status::completed);
  CHECK(fetch(*second, a.id).started_at == t0 + 10min);
  CHECK(fetch(*second, b.id).status == job_status::scheduled);
  second->advance(50min - 1ms);
  CHECK(fetch(*second, b.id).status == job_status::scheduled);
  second->advance(1ms);
  CHECK(fetch(*second, b.id).status == job_status::completed);
  CHECK(fetch(*second, b.id).started_at == t0 + 60min);
}

template <class Backend>
void blocked_jobs_rewired() {
  typename Backend::storage data;
  const auto types = demo_registry();
  const timestamp t0 = from_unix_ms(1'767'225'600'000);
  using S = job_status;
  const auto depending_on = [](std::vector<job_id> parents) {
    auto r = request("noop");
    r.dependencies.depends_on = std::move(parents);
    return r;
  };
  // What a crash could leave: parents that ended before their children
  // heard of it, and one parent that was running.
  const job done = stored_job(types, request("noop"), 1, t0, {S::running, S::completed});
  const job broken = stored_job(types, request("noop"), 2, t0, {S::running, S::failed});
  const job running = stored_job(types, request("sleep", R"({"ms": 1000})"), 3, t0, {S::running});
  const job after_done = stored_job(types, depending_on({done.id}), 4, t0, {});
  const job after_broken = stored_job(types, depending_on({broken.id}), 5, t0, {});
  const job after_running = stored_job(types, depending_on({running.id}), 6, t0, {});
  const job after_after_broken = stored_job(types, depending_on({after_broken.id}), 7, t0, {});
  const job after_missing =
      stored_job(types, depending_on({job_id::generate(*make_seeded_random(99))}), 8, t0, {});
  REQUIRE(after_done.status == S::blocked);
  auto seeded = data.open();
  for (const auto* j : {&done, &broken, &running, &after_done, &after_broken, &after_running,
                        &after_after_broken, &after_missing})
    put(*seeded, *j);
  seeded.reset();  // the run that wrote them is gone

  auto rt = start(data.open(), t0 + 1min);
  CHECK(fetch(*rt, after_done.id).status == S::completed);
  CHECK(fetch(*rt, after_broken.id).status == S::canceled);
  CHECK(fetch(*rt, after_after_broken.id).status == S::canceled);  // the chain goes on
  CHECK(fetch(*rt, after_missing.id).status == S::canceled);  // a pruned parent counts as failed
  CHECK(fetch(*rt, running.id).status == S::running);
  CHECK(fetch(*rt, after_running.id).status == S::blocked);
  rt->advance(1s);
  CHECK(fetch(*rt, running.id).status == S::completed);
  CHECK(fetch(*rt, after_running.id).status == S::completed);
  for (const auto* j :
       {&after_done, &after_broken, &after_running, &after_after_broken, &after_missing, &running})
    CHECK(valid_history(fetch(*rt, j->id)));
}

template <class Backend>
void dedup_window_outlives_restart() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  const timestamp t0 = first->now();
  auto r = request("noop");
  r.unique_key = "nightly-report";
  r.unique_for_ms = 3'600'000;
  const job original = submit_ok(*first, r);
  first.reset();

  auto second = start(data.open(), t0 + 30min);
  auto again = second->submit(r);
  REQUIRE(again.has_value());
  CHECK_FALSE(again->created);
  CHECK(again->value.id == original.id);
  second.reset();

  auto third = start(data.open(), t0 + 61min);  // the window has closed
  auto later = third->submit(r);
  REQUIRE(later.has_value());
  CHECK(later->created);
  CHECK(later->value.id != original.id);
}

template <class Backend>
void dead_letters_stay() {
  typename Backend::storage data;
  auto first = start(data.open(), from_unix_ms(1'767'225'600'000));
  auto r = request("fail", R"({"times": 5, "kind": "permanent"})");
  const job dead = submit_ok(*first, r);
  REQUIRE(fetch(*first, dead.id).status == job_status::failed);
  first.reset();

  auto second = start(data.open(), from_unix_ms(1'767'225'600'000) + 1min);
  CHECK(second->stats().ready == 0);
  CHECK(second->stats().supervisors == 0);
  auto replayed = second->replay(dead.id, boost::json::parse(R"({"times": 0})"));
  second->run();
  REQUIRE(replayed.ready());
  REQUIRE(replayed.get().has_value());
  CHECK(fetch(*second, dead.id).status == job_status::completed);
}

}  // namespace jobforge::recovery_suite

#define JOBFORGE_RECOVERY_CASE_(backend, label, title, behaviour)              \
  JOBFORGE_RUNTIME_BACKEND_CASE_(backend, label, "[runtime][recovery]", title, \
                                 ::jobforge::recovery_suite::behaviour)

/// Registers the recovery suite for `backend` (a type with a `storage`, see
/// store_backends.hpp); `label` (a string literal) names and tags its cases.
#define JOBFORGE_RECOVERY_SUITE(backend, label)                                                 \
  JOBFORGE_RECOVERY_CASE_(                                                                      \
      backend, label,                                                                           \
      "a job running when the process stopped runs again, its attempt recorded as interrupted", \
      running_job_runs_again)                                                                   \
  JOBFORGE_RECOVERY_CASE_(backend, label,                                                       \
                          "a retrying job keeps what was left of its backoff across a restart", \
                          backoff_survives_restart)                                             \
  JOBFORGE_RECOVERY_CASE_(backend, label,                                                       \
                          "a backoff that ended while the process was down fires at start-up",  \
                          backoff_ended_while_down)                                             \
  JOBFORGE_RECOVERY_CASE_(backend, label, "delayed jobs keep their run_at across a restart",    \
                          delayed_jobs_keep_run_at)                                             \
  JOBFORGE_RECOVERY_CASE_(backend, label,                                                       \
                          "blocked jobs are re-wired to their parents, finished or not",        \
                          blocked_jobs_rewired)                                                 \
  JOBFORGE_RECOVERY_CASE_(backend, label, "a dedup window outlives a restart",                  \
                          dedup_window_outlives_restart)                                        \
  JOBFORGE_RECOVERY_CASE_(                                                                      \
      backend, label,                                                                           \
      "a restart with nothing unfinished starts empty and the dead-letter queue stays",         \
      dead_letters_stay)

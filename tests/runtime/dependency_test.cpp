// Dependencies (SPEC §3, §5): chains, diamonds, `any`, what a failed or
// canceled parent does to its dependents, parents that already finished,
// unknown parents, and parents combined with run_at. The cases that read
// parents back from the store run on every store (dependency_suite.hpp);
// those here run on the memory store.
#include "dependency_suite.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace jobforge::dependency_suite;
using namespace std::chrono_literals;

JOBFORGE_DEPENDENCY_SUITE(memory_backend, "memory")
JOBFORGE_DEPENDENCY_SUITE(sqlite_backend, "sqlite")
JOBFORGE_DEPENDENCY_SUITE(postgres_backend, "postgres")

TEST_CASE("a diamond: d waits for both b and c", "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const timestamp t0 = rt.now();
  const job a = submit_ok(rt, sleeper(500));
  const job b = submit_ok(rt, child_of(sleeper(1000), {a.id}));
  const job c = submit_ok(rt, child_of(sleeper(2000), {a.id}));
  const job d = submit_ok(rt, child_of(request("noop"), {b.id, c.id}));
  rt.advance(500ms);
  CHECK(fetch(rt, b.id).status == job_status::running);
  CHECK(fetch(rt, c.id).status == job_status::running);
  rt.advance(1000ms);  // b done at 1.5 s, c still running
  CHECK(fetch(rt, b.id).status == job_status::completed);
  CHECK(fetch(rt, d.id).status == job_status::blocked);
  rt.advance(999ms);
  CHECK(fetch(rt, d.id).status == job_status::blocked);
  rt.advance(1ms);  // c done at 2.5 s
  const job done = fetch(rt, d.id);
  CHECK(done.status == job_status::completed);
  CHECK(offset(t0, done.started_at) == 2500);
}

TEST_CASE("mode any runs after the first parent completes", "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const timestamp t0 = rt.now();

  SECTION("the first completion releases it; later parents change nothing") {
    const job slow = submit_ok(rt, sleeper(5000));
    const job fast = submit_ok(rt, sleeper(1000));
    const job child =
        submit_ok(rt, child_of(request("noop"), {slow.id, fast.id}, dependency_mode::any));
    CHECK(child.status == job_status::blocked);
    rt.advance(1s);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 1000);
    CHECK(fetch(rt, slow.id).status == job_status::running);
    rt.advance(5s);
    CHECK(fetch(rt, slow.id).status == job_status::completed);
    CHECK(fetch(rt, child.id).history.size() == done.history.size());
    CHECK(fetch(rt, child.id).attempts == 1);
  }

  SECTION("a failed parent does not cancel it while another may still complete") {
    const job bad = submit_ok(rt, doomed(500));
    const job good = submit_ok(rt, sleeper(2000));
    const job child =
        submit_ok(rt, child_of(request("noop"), {bad.id, good.id}, dependency_mode::any));
    rt.advance(500ms);
    CHECK(fetch(rt, bad.id).status == job_status::failed);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1500ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 2000);
  }

  SECTION("when every parent failed, policy cancel cancels it") {
    const job bad1 = submit_ok(rt, doomed(500));
    const job bad2 = submit_ok(rt, doomed(1000));
    const job child =
        submit_ok(rt, child_of(request("noop"), {bad1.id, bad2.id}, dependency_mode::any));
    rt.advance(500ms);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(500ms);
    check_canceled_by_dependency(rt, child.id, t0 + 1000ms);
  }
}

TEST_CASE("policy run: the child runs once its parents have finished, even failed",
          "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const timestamp t0 = rt.now();

  SECTION("with other parents still running it waits for them") {
    const job bad = submit_ok(rt, doomed(1000));
    const job slow = submit_ok(rt, sleeper(3000));
    const job child = submit_ok(rt, child_of(request("noop"), {bad.id, slow.id},
                                             dependency_mode::all, dependency_failure_policy::run));
    rt.advance(1s);
    CHECK(fetch(rt, bad.id).status == job_status::failed);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1999ms);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 3000);
  }

  SECTION("with its only parent failed it runs at once") {
    const job bad = submit_ok(rt, doomed(1000));
    const job child = submit_ok(rt, child_of(request("noop"), {bad.id}, dependency_mode::all,
                                             dependency_failure_policy::run));
    rt.advance(1s);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 1000);
  }
}

TEST_CASE("canceling a parent propagates to its dependents", "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const timestamp t0 = rt.now();
  const job a = submit_ok(rt, sleeper(10'000));
  const job b = submit_ok(rt, child_of(request("noop"), {a.id}));
  const job c = submit_ok(rt, child_of(request("noop"), {b.id}));
  const job runs_anyway = submit_ok(
      rt, child_of(request("noop"), {a.id}, dependency_mode::all, dependency_failure_policy::run));
  rt.advance(1s);
  auto reply = rt.cancel(a.id, {cancel_mode::forced, "stop it", "ops"});
  REQUIRE(reply.ready());
  REQUIRE(reply.get().has_value());
  CHECK(reply.get()->status == job_status::canceled);
  check_canceled_by_dependency(rt, b.id, t0 + 1000ms);
  check_canceled_by_dependency(rt, c.id, t0 + 1000ms);
  const job ran = fetch(rt, runs_anyway.id);
  CHECK(ran.status == job_status::completed);
  CHECK(offset(t0, ran.started_at) == 1000);
  CHECK(rt.stats().blocked == 0);
}

TEST_CASE("canceling a blocked parent cancels its blocked dependents", "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const job root = submit_ok(rt, sleeper(5000));
  const job mid = submit_ok(rt, child_of(request("noop"), {root.id}));
  const job leaf = submit_ok(rt, child_of(request("noop"), {mid.id}));
  auto reply = rt.cancel(mid.id);
  REQUIRE(reply.ready());
  REQUIRE(reply.get().has_value());
  CHECK(fetch(rt, leaf.id).status == job_status::canceled);
  rt.advance(10s);
  CHECK(fetch(rt, root.id).status == job_status::completed);
  CHECK(fetch(rt, mid.id).status == job_status::canceled);
  CHECK(fetch(rt, leaf.id).status == job_status::canceled);
}

TEST_CASE("a blocked job with a future run_at waits for both", "[dependencies]") {
  testing::simulated_runtime rt(registry());
  const timestamp t0 = rt.now();

  SECTION("parents finish first, then the time comes") {
    const job parent = submit_ok(rt, sleeper(1000));
    auto r = child_of(request("noop"), {parent.id});
    r.run_in_ms = 5000;
    const job child = submit_ok(rt, std::move(r));
    CHECK(child.status == job_status::blocked);
    rt.advance(1s);
    CHECK(fetch(rt, parent.id).status == job_status::completed);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(3999ms);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 5000);
    CHECK(path_of(done) == std::vector<job_status>{job_status::blocked, job_status::pending,
                                                   job_status::running, job_status::completed});
  }

  SECTION("the time comes first, then the parents finish") {
    const job parent = submit_ok(rt, sleeper(5000));
    auto r = child_of(request("noop"), {parent.id});
    r.run_at = t0 + 1000ms;
    const job child = submit_ok(rt, std::move(r));
    rt.advance(1s);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(3999ms);
    CHECK(fetch(rt, child.id).status == job_status::blocked);
    rt.advance(1ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 5000);
  }

  SECTION("a parent that is already done still leaves the job scheduled until run_at") {
    const job parent = submit_ok(rt, request("noop"));
    auto r = child_of(request("noop"), {parent.id});
    r.run_in_ms = 3000;
    const job child = submit_ok(rt, std::move(r));
    CHECK(child.status == job_status::scheduled);
    rt.advance(2999ms);
    CHECK(fetch(rt, child.id).status == job_status::scheduled);
    rt.advance(1ms);
    const job done = fetch(rt, child.id);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.started_at) == 3000);
  }
}

// Graceful shutdown's first half on the simulated harness: the drain.
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

runtime_config one_executor() {
  runtime_config c;
  c.executors = 1;
  return c;
}

}  // namespace

TEST_CASE("a drain with nothing running answers at once and refuses new work", "[runtime][drain]") {
  testing::simulated_runtime rt(demo_registry());
  const job done = submit_ok(rt, request("noop"));
  auto drained = rt.drain(5s);
  REQUIRE(drained.ready());
  CHECK(drained.get().has_value());

  auto refused = rt.submit(request("noop"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error_value().code == error_code::unavailable);
  CHECK_THAT(refused.error_value().message, Catch::Contains("shutting down"));
  CHECK(fetch(rt, done.id).status == job_status::completed);  // reads still work
}

TEST_CASE("a drain lets a running job finish within the grace and starts nothing new",
          "[runtime][drain]") {
  testing::simulated_runtime rt(demo_registry(), one_executor());
  const job running = submit_ok(rt, request("sleep", R"({"ms": 2000})"));
  const job queued = submit_ok(rt, request("noop"));
  REQUIRE(fetch(rt, running.id).status == job_status::running);
  REQUIRE(fetch(rt, queued.id).status == job_status::pending);

  auto drained = rt.drain(10s);
  CHECK_FALSE(drained.ready());
  rt.advance(1999ms);
  CHECK_FALSE(drained.ready());
  rt.advance(1ms);
  REQUIRE(drained.ready());
  CHECK(drained.get().has_value());
  CHECK(fetch(rt, running.id).status == job_status::completed);
  // Its slot came free, but a draining runtime dispatches nothing.
  CHECK(fetch(rt, queued.id).status == job_status::pending);
}

TEST_CASE("after the grace a drain returns running jobs to pending, and a restart runs them",
          "[runtime][drain][recovery]") {
  std::shared_ptr<store> backend = make_memory_store();
  auto rt =
      std::make_unique<testing::simulated_runtime>(demo_registry(), one_executor(), 1, backend);
  const job slow = submit_ok(*rt, request("sleep", R"({"ms": 60000})"));
  rt->advance(1s);
  auto drained = rt->drain(5s);
  rt->advance(4999ms);
  CHECK_FALSE(drained.ready());
  CHECK(fetch(*rt, slow.id).status == job_status::running);
  rt->advance(1ms);
  REQUIRE(drained.ready());
  CHECK(drained.get().has_value());
  job now = fetch(*rt, slow.id);
  CHECK(now.status == job_status::pending);
  CHECK(now.history.back().reason == "interrupted by shutdown");
  CHECK_FALSE(now.history.back().error.has_value());  // a shutdown is not the job's fault
  CHECK(valid_history(now));
  const timestamp stopped = rt->now();
  rt.reset();

  auto next = std::make_unique<testing::simulated_runtime>(demo_registry(), one_executor(), 2,
                                                           backend, stopped + 1s);
  CHECK(fetch(*next, slow.id).status == job_status::running);
  next->advance(60s);
  now = fetch(*next, slow.id);
  CHECK(now.status == job_status::completed);
  CHECK(now.attempts == 2);
  CHECK(valid_history(now));
}

TEST_CASE("a graceful cancel still waiting at the end of a drain ends canceled",
          "[runtime][drain][cancel]") {
  runtime_config c = one_executor();
  c.cancel_grace = 30s;
  testing::simulated_runtime rt(demo_registry(), c);
  // A handler that ignores its stop token: it sleeps in one piece.
  const job stubborn = submit_ok(rt, request("sleep", R"({"ms": 60000})"));
  auto canceled = rt.cancel(stubborn.id);
  auto drained = rt.drain(1s);
  CHECK_FALSE(drained.ready());
  rt.advance(1s);
  REQUIRE(drained.ready());
  REQUIRE(canceled.ready());
  REQUIRE(canceled.get().has_value());
  CHECK(canceled.get()->status == job_status::canceled);
  CHECK(fetch(rt, stubborn.id).status == job_status::canceled);
}

#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

job_type_registry with_stubborn() {
  return demo_registry([](job_type_registry& types) { REQUIRE(types.add(stubborn_type())); });
}

}  // namespace

TEST_CASE("a handler that honours its stop token times out at the deadline", "[runtime][timeout]") {
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  auto r = request("sleep", R"({"ms": 60000})");
  r.timeout_ms = 2000;
  r.max_attempts = 1;
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, std::move(r));
  rt.advance(1999ms);
  CHECK(fetch(rt, j.id).status == job_status::running);
  rt.advance(1ms);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  REQUIRE(done.last_error);
  CHECK(done.last_error->kind == error_kind::timeout);
  CHECK(done.last_error->code == "timeout");
  CHECK(done.finished_at == t0 + 2000ms);
}

TEST_CASE("a handler that ignores its stop token is abandoned after the grace and its slot reused",
          "[runtime][timeout]") {
  runtime_config config;
  config.executors = 1;
  config.timeout_grace = 3s;
  testing::simulated_runtime rt(with_stubborn(), config);
  auto r = request("stubborn", R"({"seconds": 100})");
  r.timeout_ms = 1000;
  r.max_attempts = 1;
  const timestamp t0 = rt.now();
  const job stuck = submit_ok(rt, std::move(r));
  const job next = submit_ok(rt, request("noop"));
  CHECK(fetch(rt, next.id).status == job_status::pending);  // the only executor is taken

  rt.advance(3999ms);  // deadline at 1 s, grace until 4 s
  CHECK(fetch(rt, stuck.id).status == job_status::running);
  CHECK(fetch(rt, next.id).status == job_status::pending);
  rt.advance(1ms);
  const job abandoned = fetch(rt, stuck.id);
  CHECK(abandoned.status == job_status::failed);
  REQUIRE(abandoned.last_error);
  CHECK(abandoned.last_error->kind == error_kind::timeout);
  CHECK(abandoned.finished_at == t0 + 4000ms);
  // The executor was replaced: the waiting job ran on the fresh one.
  const job ran = fetch(rt, next.id);
  CHECK(ran.status == job_status::completed);
  CHECK(ran.started_at == t0 + 4000ms);
  const auto stats = rt.stats();
  CHECK(stats.executors == 1);
  CHECK(stats.idle_executors == 1);

  // The abandoned handler's late outcome changes nothing.
  rt.advance(200s);
  CHECK(fetch(rt, stuck.id).status == job_status::failed);
  CHECK(fetch(rt, stuck.id).history.size() == abandoned.history.size());
}

TEST_CASE("a timed-out attempt is retried like any transient failure", "[runtime][timeout]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = request("sleep", R"({"ms": 5000})");
  r.timeout_ms = 1000;
  r.max_attempts = 2;
  r.retry.initial_backoff_ms = 500;
  r.retry.jitter = 0.0;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(1000ms);
  job now = fetch(rt, j.id);
  CHECK(now.status == job_status::retrying);
  rt.advance(500ms);
  CHECK(fetch(rt, j.id).attempts == 2);
  rt.advance(1000ms);
  now = fetch(rt, j.id);
  CHECK(now.status == job_status::failed);
  CHECK(now.attempts == 2);
  CHECK(valid_history(now));
}

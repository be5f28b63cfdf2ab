// Retention on the simulated harness: finished jobs past their age go, in
// bounded batches, on the retention task's schedule.
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

TEST_CASE("finished jobs older than the retention age are deleted, the rest stay",
          "[runtime][retention]") {
  runtime_config c;
  c.retention.max_age = 1h;
  c.retention.interval = 1min;
  c.retention.batch = 2;  // five old jobs take three batches
  testing::simulated_runtime rt(demo_registry(), c);
  const timestamp t0 = rt.now();
  std::vector<job> old;
  for (int i = 0; i < 4; ++i)
    old.push_back(submit_ok(rt, request("noop")));
  old.push_back(submit_ok(rt, request("fail", R"({"times": 9, "kind": "permanent"})")));
  const job still_running = submit_ok(rt, request("sleep", R"({"ms": 86400000})"));
  for (const auto& j : old)
    REQUIRE(is_terminal(fetch(rt, j.id).status));

  rt.advance(30min);
  const job recent = submit_ok(rt, request("noop"));
  rt.advance(30min);  // t0 + 60 min: nothing is older than an hour yet
  for (const auto& j : old)
    CHECK(rt.get(j.id).has_value());

  rt.advance(1min);  // t0 + 61 min: the round deletes every old job
  REQUIRE(rt.now() == t0 + 61min);
  for (const auto& j : old) {
    auto gone = rt.get(j.id);
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error_value().code == error_code::not_found);
  }
  CHECK(fetch(rt, recent.id).status == job_status::completed);
  CHECK(fetch(rt, still_running.id).status == job_status::running);  // never finished, never pruned

  rt.advance(30min);  // recent finished at t0 + 30 min: gone after t0 + 90 min
  CHECK_FALSE(rt.get(recent.id).has_value());
  CHECK(fetch(rt, still_running.id).status == job_status::running);
}

TEST_CASE("without a retention age nothing is ever deleted", "[runtime][retention]") {
  testing::simulated_runtime rt(demo_registry());
  const job done = submit_ok(rt, request("noop"));
  rt.advance(24h * 400);
  CHECK(fetch(rt, done.id).status == job_status::completed);
}

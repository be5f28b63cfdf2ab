#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

job expect_canceled(testing::simulated_runtime& rt,
                    const testing::simulated_runtime::pending<expected<job>>& reply,
                    const job_id& id) {
  REQUIRE(reply.ready());
  INFO((reply.get() ? std::string("ok") : to_string(reply.get().error_value())));
  REQUIRE(reply.get().has_value());
  CHECK(reply.get()->status == job_status::canceled);
  const job stored = fetch(rt, id);
  CHECK(stored.status == job_status::canceled);
  CHECK(valid_history(stored));
  return stored;
}

}  // namespace

TEST_CASE("cancel a pending job", "[runtime][cancel]") {
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  const job busy = submit_ok(rt, request("sleep", R"({"ms": 10000})"));
  const job waiting = submit_ok(rt, request("noop"));
  REQUIRE(fetch(rt, waiting.id).status == job_status::pending);
  auto reply = rt.cancel(waiting.id, {cancel_mode::graceful, "no longer needed", "alice"});
  const job c = expect_canceled(rt, reply, waiting.id);
  CHECK(c.cancel_reason == std::string("no longer needed"));
  CHECK(c.canceled_by == std::string("alice"));
  CHECK(c.canceled_at == rt.now());
  rt.advance(20s);
  CHECK(fetch(rt, busy.id).status == job_status::completed);
  CHECK(fetch(rt, waiting.id).status == job_status::canceled);
  CHECK(fetch(rt, waiting.id).attempts == 0);
}

TEST_CASE("cancel a scheduled job", "[runtime][cancel]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = request("noop");
  r.run_in_ms = 60'000;
  const job j = submit_ok(rt, std::move(r));
  CHECK(j.status == job_status::scheduled);
  auto reply = rt.cancel(j.id);
  expect_canceled(rt, reply, j.id);
  rt.advance(120s);
  CHECK(fetch(rt, j.id).status == job_status::canceled);
  CHECK(fetch(rt, j.id).attempts == 0);
}

TEST_CASE("cancel a blocked job", "[runtime][cancel]") {
  testing::simulated_runtime rt(demo_registry());
  const job parent = submit_ok(rt, request("sleep", R"({"ms": 5000})"));
  auto r = request("noop");
  r.dependencies.depends_on = {parent.id};
  const job child = submit_ok(rt, std::move(r));
  CHECK(child.status == job_status::blocked);
  auto reply = rt.cancel(child.id);
  expect_canceled(rt, reply, child.id);
  rt.advance(10s);
  CHECK(fetch(rt, parent.id).status == job_status::completed);
  CHECK(fetch(rt, child.id).status == job_status::canceled);
}

TEST_CASE("cancel a retrying job", "[runtime][cancel]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, request("fail", R"({"times": 3})"));
  REQUIRE(fetch(rt, j.id).status == job_status::retrying);
  auto reply = rt.cancel(j.id);
  expect_canceled(rt, reply, j.id);
  rt.advance(120s);
  CHECK(fetch(rt, j.id).status == job_status::canceled);
  CHECK(fetch(rt, j.id).attempts == 1);
}

TEST_CASE("graceful cancel of a running job waits for its handler and never completes it",
          "[runtime][cancel]") {
  runtime_config config;
  config.cancel_grace = 5s;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, request("sleep", R"({"ms": 4000})"));
  rt.advance(1s);
  auto reply = rt.cancel(j.id, {cancel_mode::graceful, "stop", "bob"});
  CHECK_FALSE(reply.ready());  // waits for the handler
  CHECK(fetch(rt, j.id).status == job_status::running);
  rt.advance(3s);  // the handler returns successfully at 4 s
  const job c = expect_canceled(rt, reply, j.id);
  CHECK(c.canceled_at == t0 + 4000ms);
  CHECK(c.result.is_null());
  rt.advance(60s);
  CHECK(fetch(rt, j.id).status == job_status::canceled);
}

TEST_CASE("graceful cancel abandons a handler that outlives the grace period",
          "[runtime][cancel]") {
  runtime_config config;
  config.cancel_grace = 2s;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, request("sleep", R"({"ms": 60000})"));
  const job next = submit_ok(rt, request("noop"));
  rt.advance(1s);
  auto reply = rt.cancel(j.id);
  rt.advance(1999ms);
  CHECK_FALSE(reply.ready());
  rt.advance(1ms);
  const job c = expect_canceled(rt, reply, j.id);
  CHECK(c.canceled_at == t0 + 3000ms);
  CHECK(fetch(rt, next.id).status == job_status::completed);  // on the replacement executor
  CHECK(rt.stats().executors == 1);
}

TEST_CASE("forced cancel of a running job takes effect at once", "[runtime][cancel]") {
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(demo_registry(), config);
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, request("sleep", R"({"ms": 60000})"));
  const job next = submit_ok(rt, request("noop"));
  rt.advance(1s);
  auto reply = rt.cancel(j.id, {cancel_mode::forced, "now", "ops"});
  const job c = expect_canceled(rt, reply, j.id);
  CHECK(c.canceled_at == t0 + 1000ms);
  CHECK(fetch(rt, next.id).status == job_status::completed);
  rt.advance(120s);  // the abandoned handler's outcome arrives and is ignored
  CHECK(fetch(rt, j.id).status == job_status::canceled);
  CHECK(fetch(rt, j.id).history.size() == c.history.size());
}

TEST_CASE("cancel of a finished or unknown job is refused", "[runtime][cancel]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, request("noop"));
  auto done = rt.cancel(j.id);
  REQUIRE(done.ready());
  REQUIRE_FALSE(done.get().has_value());
  CHECK(done.get().error_value().code == error_code::conflict);
  auto unknown = rt.cancel(job_id::generate(*make_seeded_random(99)));
  REQUIRE(unknown.ready());
  REQUIRE_FALSE(unknown.get().has_value());
  CHECK(unknown.get().error_value().code == error_code::not_found);
  CHECK(fetch(rt, j.id).status == job_status::completed);
}

// max_retry_ms in the running system, on simulated time: the supervisor stops
// retrying once the next backoff would end past the job's total retry time,
// and dead-letters the job with an error naming the limit; a replay starts a
// new window. A type's policy from the configuration reaches its jobs.
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

// fail times=10: backoffs of 1 s, 2 s, 4 s, ... with no jitter.
job_request failing_request() {
  auto r = request("fail", R"({"times": 10, "kind": "transient"})");
  r.retry.initial_backoff_ms = 1000;
  r.retry.multiplier = 2.0;
  r.retry.jitter = 0.0;
  r.max_attempts = 10;
  return r;
}

void replay_ok(const testing::simulated_runtime::pending<expected<job>>& reply) {
  REQUIRE(reply.ready());
  INFO((reply.get() ? std::string("ok") : to_string(reply.get().error_value())));
  REQUIRE(reply.get().has_value());
}

job_type_policy policy_of(const char* text) {
  std::vector<std::string> problems;
  auto policy = policy_from_json(boost::json::parse(text), policy_source::config, problems);
  REQUIRE(problems.empty());
  return policy;
}

}  // namespace

TEST_CASE("a job whose next backoff would pass max_retry_ms fails with the limit named",
          "[runtime][retry][retry_time]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = failing_request();
  r.max_retry_ms = 5'000;
  const job j = submit_ok(rt, std::move(r));
  CHECK(j.max_retry_ms == 5'000);
  const job first = fetch(rt, j.id);
  REQUIRE(first.status == job_status::retrying);
  REQUIRE(first.started_at);
  const timestamp t1 = *first.started_at;  // attempt 1 began the window

  // Attempt 2 at +1 s (1 s + 2 s backoff = 3 s: fits), attempt 3 at +3 s,
  // whose 4 s backoff would end at +7 s, past 5 s: no attempt 4.
  rt.advance(1s);
  CHECK(fetch(rt, j.id).status == job_status::retrying);
  CHECK(fetch(rt, j.id).attempts == 2);
  rt.advance(2s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  CHECK(done.attempts == 3);
  CHECK(done.finished_at == t1 + 3s);
  REQUIRE(done.last_error);
  CHECK(done.last_error->code == "retry_time_exhausted");
  CHECK(done.last_error->kind == error_kind::transient);
  CHECK_THAT(done.last_error->message,
             Catch::Contains("retry time ran out") && Catch::Contains("max_retry_ms is 5000 ms") &&
                 Catch::Contains("3000 ms have passed") && Catch::Contains("wait 4000 ms") &&
                 Catch::Contains("deliberate"));
  CHECK(valid_history(done));
  // Nothing is left to fire: it stays failed, with attempts to spare.
  rt.advance(60s);
  CHECK(fetch(rt, j.id).attempts == 3);
  CHECK(fetch(rt, j.id).max_attempts == 10);
}

TEST_CASE("without max_retry_ms the same job retries until max_attempts",
          "[runtime][retry][retry_time]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, failing_request());
  CHECK(j.max_retry_ms == 0);
  rt.advance(7s);  // 1 + 2 + 4: attempt 4 has run and failed
  const job now = fetch(rt, j.id);
  CHECK(now.status == job_status::retrying);
  CHECK(now.attempts == 4);
}

TEST_CASE("a replayed job's retry time counts from the replay", "[runtime][retry][retry_time]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = failing_request();
  r.max_retry_ms = 2'500;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(1s);  // attempt 2 fails: 1 s gone + 2 s backoff > 2.5 s
  REQUIRE(fetch(rt, j.id).status == job_status::failed);
  CHECK(fetch(rt, j.id).attempts == 2);

  rt.advance(100s);  // long past the first window
  replay_ok(rt.replay(j.id));
  const job replayed = fetch(rt, j.id);
  // Attempt 3 failed at once; the round's first backoff (1 s) fits the new window.
  CHECK(replayed.status == job_status::retrying);
  CHECK(replayed.attempts == 3);
  rt.advance(1s);  // attempt 4: 1 s gone + 2 s > 2.5 s
  const job again = fetch(rt, j.id);
  CHECK(again.status == job_status::failed);
  CHECK(again.attempts == 4);
  REQUIRE(again.last_error);
  CHECK(again.last_error->code == "retry_time_exhausted");
  CHECK(valid_history(again));
}

TEST_CASE("a type's configured policy reaches its jobs: max_attempts and max_retry_ms",
          "[runtime][retry][retry_time][policy]") {
  testing::simulated_runtime rt(demo_registry([](job_type_registry& types) {
    REQUIRE(types
                .apply_policy("fail", policy_of(R"({"max_attempts": 2, "max_retry_ms": 60000,
                  "retry": {"initial_backoff_ms": 500, "jitter": 0}})"))
                .empty());
  }));
  const job j = submit_ok(rt, request("fail", R"({"times": 5})"));
  CHECK(j.max_attempts == 2);
  CHECK(j.max_retry_ms == 60'000);
  CHECK(j.retry.initial_backoff_ms == 500);
  rt.advance(499ms);
  CHECK(fetch(rt, j.id).attempts == 1);
  rt.advance(1ms);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  CHECK(done.attempts == 2);
  REQUIRE(done.last_error);
  CHECK(done.last_error->code == "deliberate");  // out of attempts, not of time
}

// Attempts, retries and their backoff instants. The cases that store a job
// at each attempt and read it back run on every store (retry_suite below);
// the rest on the memory store.
#include "runtime_fixture.hpp"
#include "store_backends.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace retry_suite {

template <class Backend>
void backoff_instants() {
  typename Backend::storage data;
  testing::simulated_runtime rt(demo_registry(), {}, 1, data.open());
  auto r = request("fail", R"({"times": 2, "kind": "transient"})");
  r.retry.initial_backoff_ms = 1000;
  r.retry.multiplier = 2.0;
  r.retry.jitter = 0.0;
  r.max_attempts = 5;
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, std::move(r));

  job now = fetch(rt, j.id);
  CHECK(now.status == job_status::retrying);
  CHECK(now.attempts == 1);
  REQUIRE(now.last_error);
  CHECK(now.last_error->kind == error_kind::transient);
  CHECK(now.last_error->code == "deliberate");

  rt.advance(999ms);
  CHECK(fetch(rt, j.id).status == job_status::retrying);
  CHECK(fetch(rt, j.id).attempts == 1);
  rt.advance(1ms);  // t0 + 1000: attempt 2 starts and fails
  now = fetch(rt, j.id);
  CHECK(now.attempts == 2);
  CHECK(now.status == job_status::retrying);
  CHECK(now.started_at == t0 + 1000ms);

  rt.advance(1999ms);
  CHECK(fetch(rt, j.id).attempts == 2);
  rt.advance(1ms);  // t0 + 3000: attempt 3 succeeds
  now = fetch(rt, j.id);
  CHECK(now.status == job_status::completed);
  CHECK(now.attempts == 3);
  CHECK(now.started_at == t0 + 3000ms);
  CHECK(now.finished_at == t0 + 3000ms);
  CHECK(valid_history(now));
  CHECK(now.result.at("succeeded_on_attempt").to_number<int>() == 3);
}

template <class Backend>
void dead_lettered_at_max_attempts() {
  typename Backend::storage data;
  testing::simulated_runtime rt(demo_registry(), {}, 1, data.open());
  auto r = request("fail", R"({"times": 10})");
  r.max_attempts = 3;
  const job j = submit_ok(rt, std::move(r));
  for (int i = 0; i < 10; ++i)
    rt.advance(10s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  CHECK(done.attempts == 3);
  CHECK(valid_history(done));
}

}  // namespace retry_suite

#define JOBFORGE_RETRY_CASE_(backend, label, title, behaviour) \
  JOBFORGE_RUNTIME_BACKEND_CASE_(backend, label, "[runtime][retry]", title, retry_suite::behaviour)
#define JOBFORGE_RETRY_SUITE(backend, label)                                                  \
  JOBFORGE_RETRY_CASE_(backend, label,                                                        \
                       "fail times=2 completes on attempt 3 exactly at the backoff instants", \
                       backoff_instants)                                                      \
  JOBFORGE_RETRY_CASE_(backend, label,                                                        \
                       "retries stop at max_attempts and the job is dead-lettered",           \
                       dead_lettered_at_max_attempts)

JOBFORGE_RETRY_SUITE(memory_backend, "memory")
JOBFORGE_RETRY_SUITE(sqlite_backend, "sqlite")
JOBFORGE_RETRY_SUITE(postgres_backend, "postgres")

TEST_CASE("a noop job runs at once and completes", "[runtime]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, request("noop"));
  CHECK(j.status == job_status::pending);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.attempts == 1);
  CHECK(path_of(done) ==
        std::vector<job_status>{job_status::pending, job_status::running, job_status::completed});
  CHECK(valid_history(done));
}

TEST_CASE("echo returns its payload as the result", "[runtime]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, request("echo", R"({"a": [1, 2, 3]})"));
  const job done = fetch(rt, j.id);
  REQUIRE(done.status == job_status::completed);
  CHECK(done.result == boost::json::parse(R"({"a": [1, 2, 3]})"));
}

TEST_CASE("a permanent error goes straight to failed", "[runtime][retry]") {
  testing::simulated_runtime rt(demo_registry());
  const job j =
      submit_ok(rt, request("fail", R"({"times": 5, "kind": "permanent", "code": "bad_input"})"));
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  CHECK(done.attempts == 1);
  REQUIRE(done.last_error);
  CHECK(done.last_error->kind == error_kind::permanent);
  CHECK(done.last_error->code == "bad_input");
}

TEST_CASE("retry_on limits which error codes retry", "[runtime][retry]") {
  testing::simulated_runtime rt(demo_registry());
  auto listed = request("fail", R"({"times": 1, "code": "flaky"})");
  listed.retry.retry_on = std::vector<std::string>{"flaky"};
  auto unlisted = request("fail", R"({"times": 1, "code": "other"})");
  unlisted.retry.retry_on = std::vector<std::string>{"flaky"};
  const job a = submit_ok(rt, std::move(listed));
  const job b = submit_ok(rt, std::move(unlisted));
  rt.advance(60s);
  CHECK(fetch(rt, a.id).status == job_status::completed);
  CHECK(fetch(rt, b.id).status == job_status::failed);
  CHECK(fetch(rt, b.id).attempts == 1);
}

TEST_CASE("crashing handlers are recorded as kind crash and retried", "[runtime][retry]") {
  testing::simulated_runtime rt(demo_registry());
  const job j = submit_ok(rt, request("fail", R"({"times": 1, "kind": "crash"})"));
  job now = fetch(rt, j.id);
  CHECK(now.status == job_status::retrying);
  REQUIRE(now.last_error);
  CHECK(now.last_error->kind == error_kind::crash);
  rt.advance(60s);
  CHECK(fetch(rt, j.id).status == job_status::completed);
}

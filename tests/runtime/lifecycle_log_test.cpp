// The process's log tells a job's lifecycle (retries scheduled, failing for
// good, timeouts and their warning, cancellation), each line with the job's
// id, type and attempt as fields; in simulated time.
#include "log_capture.hpp"
#include "runtime_fixture.hpp"

#include <algorithm>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

std::string prefix(const job& j, int attempt) {
  return "job=" + to_string(j.id) + " type=" + j.type + " attempt=" + std::to_string(attempt) + " ";
}

}  // namespace

TEST_CASE("lifecycle log: each retry with its delay, then failing for good",
          "[runtime][log][retry]") {
  log_capture logs;
  testing::simulated_runtime rt(demo_registry());
  auto r = request("fail", R"({"times": 10, "kind": "transient"})");
  r.retry.initial_backoff_ms = 1000;
  r.retry.jitter = 0.0;
  r.max_attempts = 2;
  const job j = submit_ok(rt, std::move(r));
  INFO(logs.text());
  CHECK(logs.lines_with({"info " + prefix(j, 1) + "attempt 1 of 2 failed (transient deliberate: ",
                         "); retry in 1000 ms"})
            .size() == 1);
  CHECK(logs.lines_with({"failed for good"}).empty());
  rt.advance(1000ms);
  REQUIRE(fetch(rt, j.id).status == job_status::failed);
  CHECK(logs.lines_with({"warning " + prefix(j, 2) + "failed for good (transient deliberate: ",
                         "): attempt 2 of 2; it is in the dead-letter queue"})
            .size() == 1);
}

TEST_CASE("lifecycle log: a permanent error fails for good at once", "[runtime][log][retry]") {
  log_capture logs;
  testing::simulated_runtime rt(demo_registry());
  auto r = request("fail", R"({"times": 10, "kind": "permanent"})");
  r.max_attempts = 5;
  const job j = submit_ok(rt, std::move(r));
  INFO(logs.text());
  CHECK(logs.lines_with({"warning " + prefix(j, 1) + "failed for good (permanent deliberate: ",
                         "): a permanent error; it is in the dead-letter queue"})
            .size() == 1);
}

TEST_CASE("lifecycle log: an attempt is warned at 80% of its timeout, then times out",
          "[runtime][log][timeout]") {
  log_capture logs;
  runtime_config config;
  config.executors = 1;
  config.timeout_grace = 3s;
  // A handler that does not watch its deadline (the simulated sleep stops
  // at it by itself): at the deadline the supervisor asks it to stop.
  testing::simulated_runtime rt(
      demo_registry([](job_type_registry& types) { REQUIRE(types.add(stubborn_type())); }), config);
  auto r = request("stubborn", R"({"seconds": 60})");
  r.timeout_ms = 10'000;
  r.max_attempts = 1;
  const job j = submit_ok(rt, std::move(r));
  const auto warned = [&] {
    return logs
        .lines_with(
            {"warning " + prefix(j, 1) + "attempt 1 has run 8000 ms of its 10000 ms timeout"})
        .size();
  };
  rt.advance(7999ms);
  CHECK(warned() == 0);
  rt.advance(1ms);
  CHECK(warned() == 1);
  CHECK(fetch(rt, j.id).status == job_status::running);
  // The job's own log (and its event stream) tells it too.
  const auto in_job_log = std::count_if(rt.events().begin(), rt.events().end(), [&](const auto& e) {
    return e.what == job_event::kind::log && e.id == j.id && e.log &&
           e.log->level == log_level::warn && e.log->attempt == 1 &&
           e.log->text == "attempt 1 has run 8000 ms of its 10000 ms timeout";
  });
  CHECK(in_job_log == 1);
  rt.advance(2000ms);
  INFO(logs.text());
  CHECK(logs.lines_with({"warning " + prefix(j, 1) +
                         "timed out after 10000 ms: the handler is asked to stop (abandoned "
                         "after 3000 ms more)"})
            .size() == 1);
  rt.advance(3000ms);  // the grace
  CHECK(fetch(rt, j.id).status == job_status::failed);
  CHECK(warned() == 1);
}

TEST_CASE("lifecycle log: no warning when the share is 0, nor for an attempt that ends first",
          "[runtime][log][timeout]") {
  log_capture logs;
  runtime_config config;
  config.executors = 2;
  SECTION("share 0") {
    config.timeout_warning_share = 0;
    testing::simulated_runtime rt(demo_registry(), config);
    auto r = request("sleep", R"({"ms": 60000})");
    r.timeout_ms = 1'000;
    r.max_attempts = 1;
    submit_ok(rt, std::move(r));
    rt.advance(5s);
  }
  SECTION("an attempt done before 80%") {
    testing::simulated_runtime rt(demo_registry(), config);
    auto r = request("sleep", R"({"ms": 700})");
    r.timeout_ms = 1'000;
    const job j = submit_ok(rt, std::move(r));
    rt.advance(5s);
    CHECK(fetch(rt, j.id).status == job_status::completed);
  }
  INFO(logs.text());
  CHECK(logs.lines_with({"of its 1000 ms timeout"}).empty());
}

TEST_CASE("lifecycle log: a cancellation names who and why", "[runtime][log][cancel]") {
  log_capture logs;
  runtime_config config;
  config.cancel_grace = 1s;  // the sleep outlives it: abandoned, then canceled
  testing::simulated_runtime rt(demo_registry(), config);
  const job j = submit_ok(rt, request("sleep", R"({"ms": 60000})"));
  auto canceled = rt.cancel(j.id, cancel_options{cancel_mode::graceful, "not needed", "ada"});
  rt.advance(2s);
  REQUIRE(canceled.ready());
  INFO(logs.text());
  CHECK(logs.lines_with({"info " + prefix(j, 1) + "canceled by ada: not needed"}).size() == 1);
}

// Deduplication (SPEC §3), the dead-letter queue (replay, discard), wait(),
// and progress reports with checkpoints (SPEC §4).
#include "runtime_fixture.hpp"

#include <memory>
#include <utility>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

std::int64_t offset(timestamp t0, const std::optional<timestamp>& t) {
  return t ? (*t - t0).count() : -1;
}

/// A type whose jobs dedup by payload for a minute.
job_type digest_type() {
  job_type t;
  t.name = "digest";
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.defaults.dedup_by_payload = true;
  t.defaults.unique_for_ms = 60'000;
  t.handler = [](handler_context&, const boost::json::value& payload) {
    return handler_result::ok(payload);
  };
  return t;
}

/// Fails permanently the first `failures` times it is called (across all
/// attempts and jobs), then succeeds: a job that fails once and works when
/// replayed with the same payload.
job_type flaky_type(std::shared_ptr<int> calls, int failures) {
  job_type t;
  t.name = "flaky";
  t.schema = boost::json::parse(
      R"({"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": false})");
  t.handler = [calls, failures](handler_context& ctx, const boost::json::value& payload) {
    if (++*calls <= failures) return handler_result::permanent("flaky", "not this time");
    return handler_result::ok(
        boost::json::object{{"attempt", ctx.attempt()}, {"payload", payload}});
  };
  return t;
}

job_request keyed(std::string key, std::int64_t window_ms, std::string tenant = {},
                  const char* payload = R"({"n": 1})") {
  auto r = request("echo", payload);
  r.unique_key = std::move(key);
  r.unique_for_ms = window_ms;
  r.tenant = std::move(tenant);
  return r;
}

submit_result submit_result_ok(testing::simulated_runtime& rt, job_request r) {
  auto s = rt.submit(std::move(r));
  INFO((s ? std::string("ok") : to_string(s.error_value())));
  REQUIRE(s.has_value());
  return *s;
}

job reply_ok(const testing::simulated_runtime::pending<expected<job>>& reply) {
  REQUIRE(reply.ready());
  INFO((reply.get() ? std::string("ok") : to_string(reply.get().error_value())));
  REQUIRE(reply.get().has_value());
  return *reply.get();
}

error_code reply_error(const testing::simulated_runtime::pending<expected<job>>& reply) {
  REQUIRE(reply.ready());
  REQUIRE_FALSE(reply.get().has_value());
  return reply.get().error_value().code;
}

/// A job that failed permanently on its first attempt.
job failed_job(testing::simulated_runtime& rt, const char* payload = R"({"times": 1,
    "kind": "permanent", "code": "bad_input"})") {
  const job j = submit_ok(rt, request("fail", payload));
  const job now = fetch(rt, j.id);
  REQUIRE(now.status == job_status::failed);
  return now;
}

std::size_t count_failed(testing::simulated_runtime& rt) {
  job_query q;
  q.filter.statuses = std::vector<job_status>{job_status::failed};
  q.limit = 1000;
  auto page = rt.list(q);
  REQUIRE(page.has_value());
  return page->items.size();
}

}  // namespace

// --- deduplication ------------------------------------------------------------

TEST_CASE("a second submission with the same key returns the first job", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const auto first = submit_result_ok(rt, keyed("order-42", 10'000));
  CHECK(first.created);
  rt.advance(1s);
  const auto second = submit_result_ok(rt, keyed("order-42", 10'000, {}, R"({"n": 2})"));
  CHECK_FALSE(second.created);
  CHECK(second.value.id == first.value.id);
  CHECK(second.value.payload == boost::json::parse(R"({"n": 1})"));  // the first job's
  CHECK(second.value.status == job_status::completed);
  CHECK(second.value.result == boost::json::parse(R"({"n": 1})"));

  job_query q;
  q.limit = 1000;
  auto page = rt.list(q);
  REQUIRE(page.has_value());
  CHECK(page->items.size() == 1);
}

TEST_CASE("deduplication is per tenant", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const auto acme = submit_result_ok(rt, keyed("nightly", 60'000, "acme"));
  const auto globex = submit_result_ok(rt, keyed("nightly", 60'000, "globex"));
  const auto dflt = submit_result_ok(rt, keyed("nightly", 60'000));
  CHECK(acme.created);
  CHECK(globex.created);
  CHECK(dflt.created);
  CHECK(acme.value.id != globex.value.id);
  CHECK(acme.value.id != dflt.value.id);
  CHECK(globex.value.tenant == "globex");

  const auto acme_again = submit_result_ok(rt, keyed("nightly", 60'000, "acme"));
  CHECK_FALSE(acme_again.created);
  CHECK(acme_again.value.id == acme.value.id);
  const auto globex_again = submit_result_ok(rt, keyed("nightly", 60'000, "globex"));
  CHECK_FALSE(globex_again.created);
  CHECK(globex_again.value.id == globex.value.id);
}

TEST_CASE("after the dedup window a new job is created", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const auto first = submit_result_ok(rt, keyed("k", 10'000));
  rt.advance(9999ms);
  const auto inside = submit_result_ok(rt, keyed("k", 10'000));
  CHECK_FALSE(inside.created);
  CHECK(inside.value.id == first.value.id);
  rt.advance(1ms);  // the window [t0, t0 + 10 s) is over
  const auto after = submit_result_ok(rt, keyed("k", 10'000));
  CHECK(after.created);
  CHECK(after.value.id != first.value.id);
  CHECK(fetch(rt, after.value.id).status == job_status::completed);
  // The new job opened a new window.
  const auto again = submit_result_ok(rt, keyed("k", 10'000));
  CHECK_FALSE(again.created);
  CHECK(again.value.id == after.value.id);
}

TEST_CASE("a type with dedup_by_payload dedups equal payloads whatever their key order",
          "[dead_letter]") {
  testing::simulated_runtime rt(
      demo_registry([](job_type_registry& types) { REQUIRE(types.add(digest_type())); }));
  const auto first =
      submit_result_ok(rt, request("digest", R"({"a": 1, "b": {"x": [1, 2], "y": "z"}})"));
  CHECK(first.created);
  REQUIRE(first.value.unique_key);
  CHECK(first.value.unique_key->rfind("sha256:", 0) == 0);
  CHECK(first.value.unique_for_ms == 60'000);

  const auto reordered =
      submit_result_ok(rt, request("digest", R"({"b": {"y": "z", "x": [1, 2]}, "a": 1})"));
  CHECK_FALSE(reordered.created);
  CHECK(reordered.value.id == first.value.id);

  const auto different =
      submit_result_ok(rt, request("digest", R"({"a": 1, "b": {"x": [2, 1], "y": "z"}})"));
  CHECK(different.created);
  CHECK(different.value.id != first.value.id);

  auto other_tenant = request("digest", R"({"a": 1, "b": {"x": [1, 2], "y": "z"}})");
  other_tenant.tenant = "elsewhere";
  CHECK(submit_result_ok(rt, std::move(other_tenant)).created);

  rt.advance(60s);
  const auto later =
      submit_result_ok(rt, request("digest", R"({"b": {"y": "z", "x": [1, 2]}, "a": 1})"));
  CHECK(later.created);
}

TEST_CASE("a refused submission does not claim its dedup key", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  auto bad = keyed("once", 60'000);
  bad.dependencies.depends_on = {job_id::generate(*make_seeded_random(7))};
  auto refused = rt.submit(std::move(bad));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error_value().code == error_code::invalid_argument);
  const auto ok = submit_result_ok(rt, keyed("once", 60'000));
  CHECK(ok.created);
  CHECK(fetch(rt, ok.value.id).status == job_status::completed);
}

TEST_CASE("a discarded job no longer answers for its dedup key", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = request("fail", R"({"times": 1, "kind": "permanent"})");
  r.unique_key = "import-7";
  r.unique_for_ms = 60'000;
  const auto first = submit_result_ok(rt, r);
  REQUIRE(fetch(rt, first.value.id).status == job_status::failed);
  reply_ok(rt.discard(first.value.id));
  // The job is gone for good; a resubmission inside the window must not fail
  // with not_found because the key still points at it.
  auto again = rt.submit(r);
  INFO((again ? std::string("ok") : to_string(again.error_value())));
  REQUIRE(again.has_value());
  CHECK(again->created);
  CHECK(again->value.id != first.value.id);
}

// --- the dead-letter queue ------------------------------------------------------

TEST_CASE("replay of a failed job gives it a fresh round of attempts, numbered on, and completes",
          "[dead_letter]") {
  auto calls = std::make_shared<int>(0);
  testing::simulated_runtime rt(
      demo_registry([&](job_type_registry& types) { REQUIRE(types.add(flaky_type(calls, 1))); }));
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, request("flaky", R"({"n": 5})"));
  const job failed = fetch(rt, j.id);
  REQUIRE(failed.status == job_status::failed);
  CHECK(failed.attempts == 1);
  CHECK(count_failed(rt) == 1);

  rt.advance(1s);
  const job replayed = reply_ok(rt.replay(j.id));
  CHECK(replayed.status == job_status::pending);
  CHECK(replayed.attempts == 1);
  CHECK(replayed.max_attempts == failed.max_attempts + 1);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.attempts == 2);
  CHECK(offset(t0, done.started_at) == 1000);
  // The handler is told attempt 2: no attempt number is used twice.
  CHECK(done.result.at("attempt") == boost::json::value(2));
  CHECK(done.payload == boost::json::parse(R"({"n": 5})"));
  CHECK(path_of(done) == std::vector<job_status>{job_status::pending, job_status::running,
                                                 job_status::failed, job_status::pending,
                                                 job_status::running, job_status::completed});
  CHECK(valid_history(done));
  CHECK(count_failed(rt) == 0);
  // The replay is announced as a status event failed -> pending.
  bool seen = false;
  for (const auto& e : rt.events())
    if (e.id == j.id && e.what == job_event::kind::status && e.from == job_status::failed &&
        e.to == job_status::pending)
      seen = true;
  CHECK(seen);
}

TEST_CASE("replay with a new payload that the schema accepts", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const job failed = failed_job(rt);
  const job replayed = reply_ok(rt.replay(failed.id, boost::json::parse(R"({"times": 0})")));
  CHECK(replayed.payload == boost::json::parse(R"({"times": 0})"));
  const job done = fetch(rt, failed.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.payload == boost::json::parse(R"({"times": 0})"));
  CHECK(done.result.at("succeeded_on_attempt") == boost::json::value(failed.attempts + 1));
  CHECK(done.attempts == failed.attempts + 1);
}

TEST_CASE("replay with a payload the schema rejects is refused and the job stays failed",
          "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const job failed = failed_job(rt);
  const std::size_t events_before = rt.events().size();
  auto reply = rt.replay(failed.id, boost::json::parse(R"({"times": "many"})"));
  CHECK(reply_error(reply) == error_code::schema_violation);
  const job still = fetch(rt, failed.id);
  CHECK(still.status == job_status::failed);
  CHECK(still.payload == failed.payload);
  CHECK(still.history.size() == failed.history.size());
  CHECK(rt.events().size() == events_before);
  // It can still be replayed properly afterwards.
  reply_ok(rt.replay(failed.id, boost::json::parse(R"({"times": 0})")));
  CHECK(fetch(rt, failed.id).status == job_status::completed);
}

TEST_CASE("a replay hands the last checkpoint to the new attempt", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = request("progress", R"({"steps": 4, "step_ms": 1000})");
  r.timeout_ms = 2500;
  r.max_attempts = 1;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(3s);
  const job failed = fetch(rt, j.id);
  REQUIRE(failed.status == job_status::failed);
  CHECK(failed.checkpoint == boost::json::parse(R"({"done": 2})"));
  reply_ok(rt.replay(j.id));
  rt.advance(3s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.result.at("resumed_from") == boost::json::value(2));
}

TEST_CASE("replay and discard of a job that is not failed are conflicts", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const job completed = submit_ok(rt, request("noop"));
  const job running = submit_ok(rt, request("sleep", R"({"ms": 5000})"));
  auto scheduled_request = request("noop");
  scheduled_request.run_in_ms = 60'000;
  const job scheduled = submit_ok(rt, std::move(scheduled_request));
  const job retrying = submit_ok(rt, request("fail", R"({"times": 5})"));
  const job canceled = submit_ok(rt, request("sleep", R"({"ms": 5000})"));
  reply_ok(rt.cancel(canceled.id, {cancel_mode::forced, "", ""}));
  REQUIRE(fetch(rt, completed.id).status == job_status::completed);
  REQUIRE(fetch(rt, running.id).status == job_status::running);
  REQUIRE(fetch(rt, retrying.id).status == job_status::retrying);

  for (const job* j : {&completed, &running, &scheduled, &retrying, &canceled}) {
    INFO(to_string(j->status));
    const job before = fetch(rt, j->id);
    CHECK(reply_error(rt.replay(j->id)) == error_code::conflict);
    CHECK(reply_error(rt.discard(j->id)) == error_code::conflict);
    const job after = fetch(rt, j->id);
    CHECK(after.status == before.status);
    CHECK(after.history.size() == before.history.size());
  }
  const job_id unknown = job_id::generate(*make_seeded_random(77));
  CHECK(reply_error(rt.replay(unknown)) == error_code::not_found);
  CHECK(reply_error(rt.discard(unknown)) == error_code::not_found);
  rt.advance(10s);
  CHECK(fetch(rt, running.id).status == job_status::completed);
}

TEST_CASE("discard removes a failed job for good", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const job failed = failed_job(rt);
  const job keep = failed_job(rt);
  CHECK(count_failed(rt) == 2);
  const job discarded = reply_ok(rt.discard(failed.id));
  CHECK(discarded.id == failed.id);
  CHECK(discarded.status == job_status::failed);

  auto gone = rt.get(failed.id);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error_value().code == error_code::not_found);
  CHECK(count_failed(rt) == 1);
  CHECK(fetch(rt, keep.id).status == job_status::failed);
  CHECK(reply_error(rt.discard(failed.id)) == error_code::not_found);
  CHECK(reply_error(rt.replay(failed.id)) == error_code::not_found);
  CHECK(reply_error(rt.wait(failed.id)) == error_code::not_found);
}

// --- wait ---------------------------------------------------------------------

TEST_CASE("wait replies when the job ends", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();

  SECTION("a job that completes") {
    const job j = submit_ok(rt, request("sleep", R"({"ms": 2000})"));
    auto w1 = rt.wait(j.id);
    auto w2 = rt.wait(j.id);
    CHECK_FALSE(w1.ready());
    rt.advance(1999ms);
    CHECK_FALSE(w1.ready());
    CHECK_FALSE(w2.ready());
    rt.advance(1ms);
    const job done = reply_ok(w1);
    CHECK(done.status == job_status::completed);
    CHECK(offset(t0, done.finished_at) == 2000);
    CHECK(done.result == boost::json::parse(R"({"slept_ms": 2000})"));
    CHECK(reply_ok(w2).id == j.id);
  }

  SECTION("a job that retries and then fails") {
    auto r = request("fail", R"({"times": 5})");
    r.max_attempts = 2;
    r.retry.initial_backoff_ms = 1000;
    r.retry.jitter = 0.0;
    const job j = submit_ok(rt, std::move(r));
    auto w = rt.wait(j.id);
    CHECK_FALSE(w.ready());  // retrying is not the end
    rt.advance(1s);
    const job done = reply_ok(w);
    CHECK(done.status == job_status::failed);
    CHECK(done.attempts == 2);
  }

  SECTION("a scheduled job that is canceled") {
    auto r = request("noop");
    r.run_in_ms = 10'000;
    const job j = submit_ok(rt, std::move(r));
    auto w = rt.wait(j.id);
    CHECK_FALSE(w.ready());
    reply_ok(rt.cancel(j.id));
    CHECK(reply_ok(w).status == job_status::canceled);
  }

  SECTION("a job that has already ended replies at once") {
    const job j = submit_ok(rt, request("noop"));
    const job done = reply_ok(rt.wait(j.id));
    CHECK(done.status == job_status::completed);
  }

  SECTION("an unknown job is not_found") {
    CHECK(reply_error(rt.wait(job_id::generate(*make_seeded_random(5)))) == error_code::not_found);
  }
}

// --- progress and checkpoints -------------------------------------------------------

TEST_CASE("progress reports appear as events and on the job", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  const job j = submit_ok(rt, request("progress", R"({"steps": 4, "step_ms": 1000})"));

  rt.advance(2s);
  const job midway = fetch(rt, j.id);
  CHECK(midway.status == job_status::running);
  REQUIRE(midway.progress);
  CHECK(midway.progress->percent == Approx(50.0));
  CHECK(midway.progress->stage == "step 2/4");
  CHECK(offset(t0, midway.progress->updated_at) == 2000);
  REQUIRE(midway.progress->eta_ms);
  CHECK(*midway.progress->eta_ms == 2000);
  CHECK(midway.checkpoint == boost::json::parse(R"({"done": 2})"));

  rt.advance(2s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  REQUIRE(done.progress);
  CHECK(done.progress->percent == Approx(100.0));
  CHECK(done.progress->stage == "step 4/4");
  CHECK(done.checkpoint == boost::json::parse(R"({"done": 4})"));
  CHECK(done.result == boost::json::parse(R"({"steps": 4, "resumed_from": 0})"));

  std::vector<double> percents;
  std::vector<std::int64_t> at;
  for (const auto& e : rt.events()) {
    if (e.id != j.id || e.what != job_event::kind::progress) continue;
    percents.push_back(e.progress.percent);
    at.push_back((e.at - t0).count());
    CHECK(e.attempt == 1);
    CHECK(e.to == job_status::running);
  }
  CHECK(percents == std::vector<double>{25.0, 50.0, 75.0, 100.0});
  CHECK(at == std::vector<std::int64_t>{1000, 2000, 3000, 4000});
}

TEST_CASE("a retry resumes from the last checkpoint", "[dead_letter]") {
  testing::simulated_runtime rt(demo_registry());
  const timestamp t0 = rt.now();
  auto r = request("progress", R"({"steps": 4, "step_ms": 1000})");
  r.timeout_ms = 2500;  // attempt 1 gets through 2 steps
  r.max_attempts = 2;
  r.retry.initial_backoff_ms = 1000;
  r.retry.jitter = 0.0;
  const job j = submit_ok(rt, std::move(r));

  rt.advance(2500ms);
  const job interrupted = fetch(rt, j.id);
  CHECK(interrupted.status == job_status::retrying);
  REQUIRE(interrupted.last_error);
  CHECK(interrupted.last_error->kind == error_kind::timeout);
  CHECK(interrupted.checkpoint == boost::json::parse(R"({"done": 2})"));
  REQUIRE(interrupted.progress);
  CHECK(interrupted.progress->percent == Approx(50.0));

  rt.advance(1000ms);  // the backoff ends: attempt 2 at 3.5 s
  CHECK(fetch(rt, j.id).status == job_status::running);
  CHECK(offset(t0, fetch(rt, j.id).started_at) == 3500);
  rt.advance(2000ms);  // two remaining steps
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.attempts == 2);
  CHECK(offset(t0, done.finished_at) == 5500);
  CHECK(done.result == boost::json::parse(R"({"steps": 4, "resumed_from": 2})"));
  CHECK(done.checkpoint == boost::json::parse(R"({"done": 4})"));
  REQUIRE(done.progress);
  CHECK(done.progress->percent == Approx(100.0));

  std::vector<std::pair<int, double>> reports;
  for (const auto& e : rt.events())
    if (e.id == j.id && e.what == job_event::kind::progress)
      reports.emplace_back(e.attempt, e.progress.percent);
  CHECK(reports ==
        std::vector<std::pair<int, double>>{{1, 25.0}, {1, 50.0}, {2, 75.0}, {2, 100.0}});
}

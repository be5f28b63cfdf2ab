#include "model/job.hpp"
#include "model/job_codec.hpp"
#include "model/job_factory.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>
#include <string>
#include <vector>

using namespace jobforge;

namespace {

namespace json = boost::json;
using S = job_status;

const timestamp t0 = from_unix_ms(1'700'000'000'000);

timestamp at(std::int64_t ms_after_t0) {
  return t0 + milliseconds{ms_after_t0};
}

job_id make_id(std::uint64_t seed) {
  return job_id::generate(*make_seeded_random(seed));
}

job_type test_type() {
  job_type t;
  t.name = "email.send";
  t.schema = json::object{};
  t.defaults.max_attempts = 3;
  t.handler = [](handler_context&, const json::value&) { return handler_result::ok(); };
  return t;
}

// A freshly submitted job in status `initial` (pending, scheduled or blocked).
job new_job(S initial = S::pending) {
  job_request r;
  r.type = "email.send";
  r.payload = json::parse(R"({"to": "ann@example.com"})");
  r.tenant = "acme";
  if (initial == S::scheduled) r.run_in_ms = 60'000;
  if (initial == S::blocked) r.dependencies.depends_on = {make_id(99)};
  auto built = build_job(r, test_type(), make_id(1), t0);
  REQUIRE(built.has_value());
  REQUIRE(built->status == initial);
  return std::move(built).value();
}

job_error transient(const char* code = "smtp_421") {
  return job_error{code, "mail server busy", error_kind::transient};
}

job_error permanent() {
  return job_error{"bad_address", "no such mailbox", error_kind::permanent};
}

void go(job& j, S to, timestamp now, const transition_note& note = {}) {
  auto result = transition(j, to, now, note);
  INFO(to_string(j.status) << " -> " << to_string(to) << ": "
                           << (result.has_value() ? std::string("ok")
                                                  : to_string(result.error_value())));
  REQUIRE(result.has_value());
}

// A job driven into `target` through allowed transitions.
job job_in(S target) {
  switch (target) {
    case S::scheduled:
    case S::blocked:
    case S::pending:
      return new_job(target);
    default:
      break;
  }
  job j = new_job(S::pending);
  go(j, S::running, at(10));
  if (target == S::running) return j;
  if (target == S::retrying) {
    go(j, S::retrying, at(20), {transient(), "", "", ""});
  } else if (target == S::failed) {
    go(j, S::failed, at(20),
       {job_error{"bad_address", "no such user", error_kind::permanent}, "", "", ""});
  } else if (target == S::canceled) {
    go(j, S::canceled, at(20), {std::nullopt, "", "user asked", "ann"});
  } else {
    j.result = json::object{{"sent", true}};
    go(j, S::completed, at(20));
  }
  REQUIRE(j.status == target);
  return j;
}

// The history must be a walk through the state machine: a submission into an
// initial state, then allowed steps each starting where the last one ended,
// never going back in time, ending in the job's status; attempt numbers count
// every start of `running`, across replays (never one number twice).
void check_history(const job& j) {
  REQUIRE_FALSE(j.history.empty());
  const auto& first = j.history.front();
  CHECK_FALSE(first.from.has_value());
  CHECK(is_initial(first.to));
  CHECK(first.attempt == 0);
  int attempts = 0;
  for (std::size_t i = 1; i < j.history.size(); ++i) {
    const auto& prev = j.history[i - 1];
    const auto& h = j.history[i];
    INFO("history entry " << i);
    REQUIRE(h.from.has_value());
    CHECK(*h.from == prev.to);
    CHECK(may_transition(*h.from, h.to));
    CHECK(h.at >= prev.at);
    if (h.to == S::running) ++attempts;
    CHECK(h.attempt == attempts);
  }
  CHECK(j.history.back().to == j.status);
  CHECK(j.attempts == attempts);
  CHECK(j.updated_at == j.history.back().at);
}

}  // namespace

TEST_CASE("a happy path pending -> running -> completed records times, attempts and history",
          "[transition]") {
  job j = new_job();
  REQUIRE(j.history.size() == 1);

  go(j, S::running, at(100), {std::nullopt, "worker-1", "dispatched", ""});
  CHECK(j.status == S::running);
  CHECK(j.attempts == 1);
  REQUIRE(j.started_at.has_value());
  CHECK(*j.started_at == at(100));
  CHECK(j.updated_at == at(100));
  CHECK(j.created_at == t0);
  CHECK_FALSE(j.finished_at.has_value());
  REQUIRE(j.history.size() == 2);
  {
    const auto& h = j.history[1];
    CHECK(h.at == at(100));
    REQUIRE(h.from.has_value());
    CHECK(*h.from == S::pending);
    CHECK(h.to == S::running);
    CHECK(h.attempt == 1);
    CHECK_FALSE(h.error.has_value());
    CHECK(h.node == "worker-1");
    CHECK(h.reason == "dispatched");
  }

  go(j, S::completed, at(350), {std::nullopt, "worker-1", "", ""});
  CHECK(j.status == S::completed);
  CHECK(j.attempts == 1);
  CHECK(*j.started_at == at(100));
  REQUIRE(j.finished_at.has_value());
  CHECK(*j.finished_at == at(350));
  CHECK(j.updated_at == at(350));
  CHECK_FALSE(j.canceled_at.has_value());
  CHECK_FALSE(j.last_error.has_value());
  REQUIRE(j.history.size() == 3);
  {
    const auto& h = j.history[2];
    CHECK(h.at == at(350));
    REQUIRE(h.from.has_value());
    CHECK(*h.from == S::running);
    CHECK(h.to == S::completed);
    CHECK(h.attempt == 1);
    CHECK_FALSE(h.error.has_value());
    CHECK(h.node == "worker-1");
    CHECK(h.reason.empty());
  }
  check_history(j);
}

TEST_CASE("running -> retrying records last_error, and the next start is a new attempt",
          "[transition]") {
  job j = new_job();
  go(j, S::running, at(10), {std::nullopt, "worker-1", "", ""});
  const auto first_error = transient("smtp_421");
  go(j, S::retrying, at(20), {first_error, "worker-1", "", ""});
  CHECK(j.status == S::retrying);
  REQUIRE(j.last_error.has_value());
  CHECK(*j.last_error == first_error);
  CHECK_FALSE(j.finished_at.has_value());
  CHECK(j.updated_at == at(20));
  REQUIRE(j.history.back().error.has_value());
  CHECK(*j.history.back().error == first_error);
  CHECK(j.history.back().attempt == 1);
  j.next_attempt_at = at(1'020);  // set by whoever arms the backoff

  go(j, S::pending, at(1'020));
  CHECK_FALSE(j.next_attempt_at.has_value());  // only a retrying job has one
  CHECK(j.attempts == 1);
  CHECK(j.last_error == first_error);  // kept while waiting for the next attempt

  go(j, S::running, at(1'030), {std::nullopt, "worker-2", "", ""});
  CHECK(j.attempts == 2);
  CHECK(*j.started_at == at(1'030));
  CHECK(j.history.back().attempt == 2);
  CHECK(j.history.back().node == "worker-2");

  const job_error final_error{"bad_address", "no such user", error_kind::permanent};
  go(j, S::failed, at(1'100), {final_error, "worker-2", "", ""});
  CHECK(j.status == S::failed);
  CHECK(j.attempts == 2);
  REQUIRE(j.last_error.has_value());
  CHECK(*j.last_error == final_error);
  REQUIRE(j.finished_at.has_value());
  CHECK(*j.finished_at == at(1'100));
  CHECK(j.history.size() == 6);
  check_history(j);
}

TEST_CASE("running -> pending (lost node) keeps the attempt count", "[transition]") {
  job j = new_job();
  go(j, S::running, at(10), {std::nullopt, "worker-1", "", ""});
  go(j, S::pending, at(20), {std::nullopt, "worker-1", "node lost", ""});
  CHECK(j.status == S::pending);
  CHECK(j.attempts == 1);
  CHECK_FALSE(j.finished_at.has_value());
  CHECK(j.history.back().reason == "node lost");
  go(j, S::running, at(30), {std::nullopt, "worker-2", "", ""});
  CHECK(j.attempts == 2);
  check_history(j);
}

TEST_CASE("cancel records who, why and when", "[transition]") {
  for (S from : {S::scheduled, S::blocked, S::pending, S::running, S::retrying}) {
    INFO("canceling from " << to_string(from));
    job j = job_in(from);
    const int attempts_before = j.attempts;
    const auto history_before = j.history.size();
    go(j, S::canceled, at(500), {std::nullopt, "coordinator", "no longer needed", "ops@acme"});
    CHECK(j.status == S::canceled);
    REQUIRE(j.canceled_at.has_value());
    CHECK(*j.canceled_at == at(500));
    REQUIRE(j.finished_at.has_value());
    CHECK(*j.finished_at == at(500));
    CHECK(j.updated_at == at(500));
    REQUIRE(j.cancel_reason.has_value());
    CHECK(*j.cancel_reason == "no longer needed");
    REQUIRE(j.canceled_by.has_value());
    CHECK(*j.canceled_by == "ops@acme");
    CHECK(j.attempts == attempts_before);
    REQUIRE(j.history.size() == history_before + 1);
    const auto& h = j.history.back();
    CHECK(h.from == std::optional<S>(from));
    CHECK(h.to == S::canceled);
    CHECK(h.reason == "no longer needed");
    CHECK(h.node == "coordinator");
    check_history(j);
  }

  SECTION("a cancellation without reason or requester leaves them unset") {
    job j = new_job();
    go(j, S::canceled, at(5));
    CHECK(j.canceled_at == std::optional<timestamp>(at(5)));
    CHECK_FALSE(j.cancel_reason.has_value());
    CHECK_FALSE(j.canceled_by.has_value());
  }
}

TEST_CASE("a refused transition changes nothing at all", "[transition]") {
  const transition_note loud{job_error{"x", "should not be recorded", error_kind::crash}, "node-x",
                             "reason-x", "someone"};
  for (S from : all_job_statuses) {
    for (S to : all_job_statuses) {
      if (may_transition(from, to)) continue;
      INFO(to_string(from) << " -> " << to_string(to));
      job j = job_in(from);
      const json::value before = to_json(j);
      auto result = transition(j, to, at(99'999), loud);
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error_value().code == error_code::invalid_transition);
      CHECK(to_json(j) == before);
      CHECK(j.status == from);
    }
  }
}

TEST_CASE("a replay (failed -> pending) gives a fresh budget of attempts, numbered on",
          "[transition]") {
  job j = new_job();
  go(j, S::running, at(10));
  go(j, S::retrying, at(20), {transient(), "", "", ""});
  go(j, S::pending, at(30));
  go(j, S::running, at(40));
  go(j, S::failed, at(50), {transient(), "", "", ""});
  REQUIRE(j.attempts == 2);
  REQUIRE(j.finished_at.has_value());

  REQUIRE(j.max_attempts == 3);
  CHECK(attempts_before_replay(j) == 0);
  go(j, S::pending, at(1'000), {std::nullopt, "", "replayed by operator", ""});
  CHECK(j.status == S::pending);
  CHECK(j.attempts == 2);
  CHECK(j.max_attempts == 5);  // the round's budget: as many as the last round had
  CHECK(attempts_before_replay(j) == 2);
  CHECK_FALSE(j.finished_at.has_value());
  CHECK(j.updated_at == at(1'000));
  CHECK(j.history.back().attempt == 2);
  CHECK(j.history.back().reason == "replayed by operator");

  go(j, S::running, at(1'010));
  CHECK(j.attempts == 3);
  CHECK(*j.started_at == at(1'010));
  go(j, S::completed, at(1'020));
  CHECK(*j.finished_at == at(1'020));
  check_history(j);
}

TEST_CASE("each replay's budget is the job's own, however its last round ended", "[transition]") {
  job j = new_job();  // max_attempts 3
  go(j, S::running, at(10));
  go(j, S::failed, at(20), {permanent(), "", "", ""});  // gave up after 1 of 3
  go(j, S::pending, at(30), {std::nullopt, "", "replayed", ""});
  CHECK(j.max_attempts == 4);  // attempts 2, 3 and 4
  for (int a = 2; a <= 4; ++a) {
    go(j, S::running, at(30 + a * 10));
    CHECK(j.attempts == a);
    go(j, a < 4 ? S::retrying : S::failed, at(35 + a * 10), {transient(), "", "", ""});
    if (a < 4) go(j, S::pending, at(36 + a * 10));
  }
  CHECK(attempts_before_replay(j) == 1);
  go(j, S::pending, at(200), {std::nullopt, "", "replayed again", ""});
  CHECK(j.attempts == 4);
  CHECK(j.max_attempts == 7);  // three more, not the four the last round's numbers span
  CHECK(attempts_before_replay(j) == 4);
  go(j, S::running, at(210));
  CHECK(j.history.back().attempt == 5);
  check_history(j);
}

TEST_CASE("every history produced by transitions is a valid path of the state machine",
          "[transition]") {
  std::mt19937 rng(20240601);
  for (int walk = 0; walk < 200; ++walk) {
    const S initial = std::vector<S>{S::pending, S::scheduled, S::blocked}[rng() % 3];
    job j = new_job(initial);
    std::int64_t clock = 0;
    for (int step = 0; step < 40; ++step) {
      const S to = all_job_statuses[rng() % all_job_statuses.size()];
      clock += static_cast<std::int64_t>(rng() % 1'000);
      const bool allowed = may_transition(j.status, to);
      const json::value before = to_json(j);
      const auto size_before = j.history.size();
      transition_note note;
      if (to == S::retrying || to == S::failed) note.error = transient();
      auto result = transition(j, to, at(clock), note);
      INFO("walk " << walk << " step " << step);
      CHECK(result.has_value() == allowed);
      if (allowed) {
        CHECK(j.status == to);
        CHECK(j.history.size() == size_before + 1);
      } else {
        CHECK(to_json(j) == before);
      }
    }
    check_history(j);
  }
}

// POST /api/jobs/{id}/priority and POST /api/jobs/bulk against the real
// binary: a job that has not started takes a new priority (a pending one
// overtakes the jobs it now outranks), a started or finished one is a clear
// conflict; bulk actions answer each id, keep each action's role, cap the
// ids at 1,000 and never touch another tenant's jobs.

#include "keyed_server.hpp"

namespace json = boost::json;
using e2e::keyed_server;
using e2e::role;
using namespace std::chrono_literals;
using e2e::served_jobforge;

namespace {

const json::object later{{"type", "echo"}, {"payload", json::object{}}, {"run_in_ms", 3'600'000}};

std::string ids_body(const std::string& action, const std::vector<std::string>& ids,
                     const std::string& extra = "") {
  json::array list;
  for (const auto& id : ids)
    list.emplace_back(id);
  return R"({"action": ")" + action + R"(", "ids": )" + json::serialize(list) + extra + "}";
}

}  // namespace

TEST_CASE("a job that has not started takes a new priority, others are a clear conflict",
          "[dashboard][priority][auth]") {
  keyed_server s;
  const auto waiting = e2e::job_id_of(s.submit_for("acme", later));
  const auto path = "/api/jobs/" + waiting + "/priority";
  auto changed = s.as("acme", role::operator_, "POST", path, R"({"priority": "critical"})");
  REQUIRE(changed.status == 200);
  CHECK(changed.body.at("priority") == "critical");
  CHECK(changed.body.at("status") == "scheduled");
  CHECK(changed.body.at("effective_priority") == "critical");
  // The history notes the change (not a transition: from and to are the
  // status) and who asked: the key's name, or its tenant and role.
  const auto& note = changed.body.at("history").as_array().back().as_object();
  CHECK(note.at("from") == "scheduled");
  CHECK(note.at("to") == "scheduled");
  const std::string reason(note.at("reason").as_string());
  CHECK(reason.rfind("priority critical (was normal) by ", 0) == 0);
  CHECK(reason.size() > std::string("priority critical (was normal) by ").size());
  CHECK(s.as("acme", role::viewer, "GET", "/api/jobs/" + waiting).body.at("priority") ==
        "critical");

  // Roles and tenants: a submitter may not; another tenant's job is unknown.
  CHECK(s.as("acme", role::submitter, "POST", path, R"({"priority": "low"})").status == 403);
  auto hidden = s.as("globex", role::operator_, "POST", path, R"({"priority": "low"})");
  CHECK(hidden.status == 404);
  CHECK(hidden.error_code() == "not_found");
  CHECK(s.as("globex", role::admin, "POST", path, R"({"priority": "low"})").status == 200);

  // Bad bodies change nothing.
  for (const char* bad : {R"({"priority": "urgent"})", R"({})", R"({"priority": 3})",
                          R"({"priority": "low", "x": 1})", R"([])"}) {
    INFO(bad);
    auto a = s.as("acme", role::operator_, "POST", path, bad);
    CHECK(a.status == 400);
    CHECK(a.error_code() == "invalid_argument");
  }
  CHECK(s.as("acme", role::viewer, "GET", "/api/jobs/" + waiting).body.at("priority") == "low");

  // Running and finished jobs answer why not.
  const auto running =
      e2e::job_id_of(s.submit_for("acme", {{"type", "sleep"}, {"payload", {{"ms", 5000}}}}));
  REQUIRE(e2e::eventually(
      [&] {
        return s.as("acme", role::viewer, "GET", "/api/jobs/" + running).body.at("status") ==
               "running";
      },
      5s));
  auto busy = s.as("acme", role::operator_, "POST", "/api/jobs/" + running + "/priority",
                   R"({"priority": "high"})");
  CHECK(busy.status == 409);
  CHECK(busy.error_code() == "conflict");
  CHECK(busy.error_message().find("is running: only a job that has not started") !=
        std::string::npos);
  const auto done = e2e::job_id_of(
      s.submit_for("acme", {{"type", "echo"}, {"payload", json::object{}}}, "?wait=10"));
  auto finished = s.as("acme", role::operator_, "POST", "/api/jobs/" + done + "/priority",
                       R"({"priority": "high"})");
  CHECK(finished.status == 409);
  CHECK(finished.error_message().find("is completed") != std::string::npos);
  CHECK(s.as("acme", role::operator_, "POST",
             "/api/jobs/00000000-0000-4000-8000-000000000000/priority", R"({"priority": "high"})")
            .status == 404);
  s.as("acme", role::admin, "POST", "/api/jobs/" + running + "/cancel", R"({"mode": "forced"})");
}

TEST_CASE("a pending job raised to critical overtakes the jobs queued before it",
          "[dashboard][priority]") {
  served_jobforge jf({"--executors", "1"});
  // The only executor is busy for a while: the next jobs queue.
  e2e::submit(jf, e2e::sleep_job(800));
  std::vector<std::string> queued;
  for (int i = 0; i < 3; ++i)
    queued.push_back(e2e::submit(
        jf, json::object{{"type", "sleep"}, {"payload", {{"ms", 30}}}, {"priority", "low"}}));
  auto raised =
      jf.post("/api/jobs/" + queued.back() + "/priority", json::object{{"priority", "critical"}});
  REQUIRE(raised.status == 200);
  CHECK(raised.object().at("status") == "pending");
  std::vector<std::string> started;
  for (const auto& id : queued) {
    auto done = jf.get("/api/jobs/" + id);
    REQUIRE(e2e::eventually(
        [&] {
          done = jf.get("/api/jobs/" + id);
          return e2e::status_of(done) == "completed";
        },
        10s));
    started.emplace_back(done.object().at("started_at").as_string());
  }
  CHECK(started[2] < started[0]);  // RFC 3339 UTC with milliseconds sorts as time
  CHECK(started[0] <= started[1]);
}

TEST_CASE("bulk actions: one result per id, each action's own role, at most 1,000 ids",
          "[dashboard][bulk][auth]") {
  keyed_server s;
  const auto a = e2e::job_id_of(s.submit_for("acme", later));
  const auto b = e2e::job_id_of(s.submit_for("acme", later));
  const auto theirs = e2e::job_id_of(s.submit_for("globex", later));
  const auto done = e2e::job_id_of(
      s.submit_for("acme", {{"type", "echo"}, {"payload", json::object{}}}, "?wait=10"));

  // Priority: operators; another tenant's id fails as an unknown one.
  CHECK(s.as("acme", role::submitter, "POST", "/api/jobs/bulk",
             ids_body("priority", {a}, R"(, "priority": "high")"))
            .status == 403);
  auto raised = s.as("acme", role::operator_, "POST", "/api/jobs/bulk",
                     ids_body("priority", {a, b, theirs, done}, R"(, "priority": "high")"));
  REQUIRE(raised.status == 200);
  INFO(json::serialize(raised.body));
  CHECK(raised.body.at("succeeded") == 2);
  CHECK(raised.body.at("failed") == 2);
  const auto& results = raised.body.at("results").as_array();
  REQUIRE(results.size() == 4);
  CHECK(results[0].at("id") == a.c_str());
  CHECK(results[0].at("job").at("priority") == "high");
  CHECK(results[2].at("error").at("code") == "not_found");
  CHECK(results[3].at("error").at("code") == "conflict");
  CHECK(s.as("globex", role::viewer, "GET", "/api/jobs/" + theirs).body.at("priority") == "normal");

  // Cancel: submitters, with a reason.
  CHECK(s.as("acme", role::viewer, "POST", "/api/jobs/bulk", ids_body("cancel", {a})).status ==
        403);
  auto canceled = s.as("acme", role::submitter, "POST", "/api/jobs/bulk",
                       ids_body("cancel", {a, b, theirs}, R"(, "reason": "tidy up")"));
  REQUIRE(canceled.status == 200);
  CHECK(canceled.body.at("succeeded") == 2);
  CHECK(canceled.body.at("results").at(1).at("job").at("status") == "canceled");
  CHECK(canceled.body.at("results").at(1).at("job").at("cancel_reason") == "tidy up");
  CHECK(s.as("globex", role::viewer, "GET", "/api/jobs/" + theirs).body.at("status") ==
        "scheduled");

  // Retry: admins, failed jobs only.
  const auto failed = e2e::job_id_of(s.submit_for(
      "acme", {{"type", "fail"}, {"payload", {{"times", 1}, {"kind", "permanent"}}}}, "?wait=10"));
  CHECK(
      s.as("acme", role::operator_, "POST", "/api/jobs/bulk", ids_body("retry", {failed})).status ==
      403);
  auto retried =
      s.as("acme", role::admin, "POST", "/api/jobs/bulk", ids_body("retry", {failed, done}));
  REQUIRE(retried.status == 200);
  CHECK(retried.body.at("succeeded") == 1);
  CHECK(retried.body.at("results").at(1).at("error").at("code") == "conflict");
  CHECK(retried.body.at("results").at(0).at("job").at("status") == "pending");
  // It runs again as attempt 2 (a replay's attempts are numbered on), past
  // the one failure the `fail` type was asked for: it completes.
  REQUIRE(e2e::eventually(
      [&] {
        auto j = s.as("acme", role::viewer, "GET", "/api/jobs/" + failed);
        int runs = 0;
        for (const auto& h : j.body.at("history").as_array())
          runs += h.at("to") == "running" ? 1 : 0;
        return runs == 2 && j.body.at("status") == "completed" && j.body.at("attempts") == 2;
      },
      10s));

  // Malformed requests change nothing.
  std::vector<std::string> too_many(1001, a);
  for (const auto& bad :
       {ids_body("cancel", too_many), ids_body("cancel", {}), ids_body("delete", {a}),
        ids_body("priority", {a}), ids_body("priority", {a}, R"(, "priority": "soon")"),
        ids_body("retry", {a}, R"(, "reason": "x")"), ids_body("cancel", {"not-an-id"}),
        ids_body("cancel", {a}, R"(, "mode": "gentle")"), std::string(R"({"ids": []})")}) {
    INFO(bad);
    auto r = s.as("acme", role::admin, "POST", "/api/jobs/bulk", bad);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_argument");
  }
}

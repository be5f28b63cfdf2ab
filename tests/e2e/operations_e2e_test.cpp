// Batch submission, progress, history, retries and the dead-letter queue,
// pausing a type: over HTTP against the real server.

#include "served_jobforge.hpp"

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using e2e::submit;
using namespace std::chrono_literals;

namespace {

bool ends(served_jobforge& jf, const std::string& id, const std::string& status) {
  return e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + id)) == status; }, 10s);
}

json::value failing_job() {
  return json::object{
      {"type", "fail"}, {"payload", {{"times", 5}, {"kind", "permanent"}}}, {"max_attempts", 1}};
}

}  // namespace

TEST_CASE("a batch with local names runs a dependency chain in order") {
  served_jobforge jf;
  auto r = jf.post("/api/jobs/batch", json::parse(R"({"jobs": [
      {"name": "extract", "type": "sleep", "payload": {"ms": 200}},
      {"name": "load", "type": "echo", "payload": {"step": 2}, "depends_on": ["extract"]},
      {"type": "noop", "payload": {}, "depends_on": ["load"], "tags": ["last"]}
    ]})"));
  REQUIRE(r.status == 201);
  const auto& jobs = r.object().at("jobs").as_array();
  REQUIRE(jobs.size() == 3);
  const std::string extract(jobs[0].at("id").as_string());
  const std::string load(jobs[1].at("id").as_string());
  const std::string last(jobs[2].at("id").as_string());
  CHECK(jobs[1].at("depends_on") == json::array{json::value(extract)});
  CHECK(jobs[2].at("depends_on") == json::array{json::value(load)});
  CHECK(jobs[1].at("status") == "blocked");
  REQUIRE(ends(jf, last, "completed"));
  const auto first_done = jf.get("/api/jobs/" + extract).object().at("finished_at");
  const auto second_start = jf.get("/api/jobs/" + load).object().at("started_at");
  CHECK(json::serialize(first_done) <= json::serialize(second_start));
}

TEST_CASE("a batch with one bad entry is refused whole, naming the entry") {
  served_jobforge jf;
  auto r = jf.post("/api/jobs/batch", json::parse(R"({"jobs": [
      {"name": "a", "type": "noop", "payload": {}},
      {"name": "b", "type": "sleep", "payload": {"ms": "soon"}},
      {"type": "noop", "payload": {}}
    ]})"));
  CHECK(r.status == 422);
  CHECK(r.error_code() == "schema_violation");
  CHECK(r.object().at("error").at("details").at("index") == 1);
  auto forward = jf.post("/api/jobs/batch", json::parse(R"({"jobs": [
      {"name": "a", "type": "noop", "payload": {}, "depends_on": ["b"]},
      {"name": "b", "type": "noop", "payload": {}}
    ]})"));
  CHECK(forward.status == 400);
  CHECK(forward.object().at("error").at("details").at("index") == 0);
  CHECK(jf.post("/api/jobs/batch", json::parse(R"({"jobs": []})")).status == 400);
  CHECK(jf.post("/api/jobs/batch", json::parse(R"({"jobs": [], "x": 1})")).status == 400);
  CHECK(jf.get("/api/jobs").object().at("items").as_array().empty());  // nothing was created
}

TEST_CASE("progress and history of a job") {
  served_jobforge jf;
  const auto id = submit(jf, json::object{{"type", "fail"},
                                          {"payload", {{"times", 2}, {"kind", "transient"}}},
                                          {"retry", {{"initial_backoff_ms", 20}, {"jitter", 0}}}});
  REQUIRE(ends(jf, id, "completed"));
  const auto history = jf.get("/api/jobs/" + id + "/history");
  REQUIRE(history.status == 200);
  CHECK(history.object().at("attempts") == 3);
  std::vector<std::string> path;
  for (const auto& h : history.object().at("history").as_array())
    path.emplace_back(h.at("to").as_string());
  CHECK(path == std::vector<std::string>{"pending", "running", "retrying", "pending", "running",
                                         "retrying", "pending", "running", "completed"});
  const auto progress = jf.get("/api/jobs/" + id + "/progress");
  REQUIRE(progress.status == 200);
  CHECK(progress.object().at("status") == "completed");

  const auto reporting =
      submit(jf, json::object{{"type", "progress"}, {"payload", {{"steps", 4}, {"step_ms", 100}}}});
  REQUIRE(e2e::eventually(
      [&] {
        return !jf.get("/api/jobs/" + reporting + "/progress").object().at("progress").is_null();
      },
      5s));
  const auto p = jf.get("/api/jobs/" + reporting + "/progress").object().at("progress");
  CHECK(p.at("percent").to_number<double>() > 0);
  CHECK(jf.get("/api/jobs/not-an-id/history").status == 400);
}

TEST_CASE("the dead-letter queue lists failed jobs: replay and discard, one or many") {
  served_jobforge jf;
  std::vector<std::string> dead;
  for (int i = 0; i < 4; ++i)
    dead.push_back(submit(jf, failing_job()));
  for (const auto& id : dead)
    REQUIRE(ends(jf, id, "failed"));
  const auto listed = jf.get("/api/dead-letter?type=fail&limit=10");
  REQUIRE(listed.status == 200);
  CHECK(listed.object().at("items").as_array().size() == 4);

  // One replayed with a payload that lets it succeed, one discarded.
  auto replayed = jf.post("/api/dead-letter/" + dead[0] + "/replay",
                          json::parse(R"({"payload": {"times": 0}})"));
  REQUIRE(replayed.status == 200);
  REQUIRE(ends(jf, dead[0], "completed"));
  CHECK(jf.post_text("/api/dead-letter/" + dead[1] + "/discard", "").status == 200);
  CHECK(jf.get("/api/jobs/" + dead[1]).status == 404);
  // Replaying a job that is not failed is a conflict.
  CHECK(jf.post_text("/api/dead-letter/" + dead[0] + "/replay", "").status == 409);
  CHECK(jf.post_text("/api/jobs/" + dead[0] + "/retry", "").status == 409);

  // The batch forms report each id.
  auto many =
      jf.post("/api/dead-letter/discard", json::object{{"ids", {dead[2], dead[3], dead[1]}}});
  REQUIRE(many.status == 200);
  CHECK(many.object().at("succeeded") == 2);
  CHECK(many.object().at("failed") == 1);
  CHECK(many.object().at("results").as_array()[2].at("error").at("code") == "not_found");
  CHECK(jf.get("/api/dead-letter").object().at("items").as_array().empty());
  CHECK(jf.post("/api/dead-letter/replay", json::parse(R"({"ids": ["nope"]})")).status == 400);
}

TEST_CASE("retry re-queues a failed job") {
  served_jobforge jf;
  const auto id = submit(jf, failing_job());
  REQUIRE(ends(jf, id, "failed"));
  auto r = jf.post_text("/api/jobs/" + id + "/retry", "");
  REQUIRE(r.status == 200);
  CHECK(status_of(r) == "pending");
  REQUIRE(ends(jf, id, "failed"));  // same payload, fails again
  const auto history = jf.get("/api/jobs/" + id + "/history");
  std::vector<std::string> path;
  for (const auto& h : history.object().at("history").as_array())
    path.emplace_back(h.at("to").as_string());
  CHECK(path ==
        std::vector<std::string>{"pending", "running", "failed", "pending", "running", "failed"});
}

TEST_CASE("pausing a type holds its jobs until it resumes") {
  served_jobforge jf;
  auto paused = jf.post_text("/api/job-types/noop/pause", "");
  REQUIRE(paused.status == 200);
  CHECK(paused.object().at("paused") == true);
  const auto id = submit(jf, json::object{{"type", "noop"}, {"payload", json::object{}}});
  std::this_thread::sleep_for(200ms);  // a real process: give it the chance to misbehave
  CHECK(status_of(jf.get("/api/jobs/" + id)) == "pending");
  CHECK(jf.post_text("/api/job-types/noop/resume", "").status == 200);
  CHECK(ends(jf, id, "completed"));
  CHECK(jf.post_text("/api/job-types/nope/pause", "").status == 404);
}

TEST_CASE("dependencies of a blocked job can be read, added and removed: dependents are listed") {
  served_jobforge jf;
  const auto slow = submit(jf, e2e::sleep_job(60'000));
  const auto other = submit(jf, e2e::sleep_job(60'000));
  const auto child = submit(
      jf, json::object{{"type", "noop"}, {"payload", json::object{}}, {"depends_on", {slow}}});
  auto deps = jf.get("/api/jobs/" + child + "/dependencies");
  REQUIRE(deps.status == 200);
  CHECK(deps.object().at("parents").as_array().size() == 1);
  CHECK(deps.object().at("parents").as_array()[0].at("status") == "running");

  auto added =
      jf.post("/api/jobs/" + child + "/dependencies", json::object{{"depends_on", {other}}});
  REQUIRE(added.status == 200);
  CHECK(added.object().at("depends_on").as_array().size() == 2);
  // A running job cannot take parents; a cycle between blocked jobs is refused.
  CHECK(jf.post("/api/jobs/" + other + "/dependencies", json::object{{"depends_on", {child}}})
            .status == 409);
  const auto grandchild = submit(
      jf, json::object{{"type", "noop"}, {"payload", json::object{}}, {"depends_on", {child}}});
  auto cycle =
      jf.post("/api/jobs/" + child + "/dependencies", json::object{{"depends_on", {grandchild}}});
  CHECK(cycle.status == 422);
  CHECK(cycle.error_code() == "dependency_cycle");

  auto dependents = jf.get("/api/jobs/" + slow + "/dependents");
  REQUIRE(dependents.status == 200);
  REQUIRE(dependents.object().at("items").as_array().size() == 1);
  CHECK(dependents.object().at("items").as_array()[0].at("id") == json::value(child));

  CHECK(jf.del("/api/jobs/" + child + "/dependencies/" + slow).status == 200);
  CHECK(jf.del("/api/jobs/" + child + "/dependencies/" + other).status == 200);
  CHECK(
      e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + child)) == "completed"; }, 5s));
  CHECK(jf.get("/api/jobs/" + slow + "/dependents").object().at("items").as_array().empty());
  CHECK(e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + grandchild)) == "completed"; },
                        5s));
  CHECK(jf.post_text("/api/jobs/" + child + "/dependencies", "{}").status == 400);
}

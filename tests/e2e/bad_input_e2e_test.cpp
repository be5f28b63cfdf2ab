// Bad input on every route that changes something: each request gets a
// clear 4xx envelope, and afterwards every job is exactly as it was (same
// status, same updated_at, same history), and no job was added or removed.

#include "served_jobforge.hpp"

#include <map>

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using namespace std::chrono_literals;

namespace {

struct bad_request {
  const char* method;
  std::string path;
  std::string body;  ///< sent as it is
  int status;
  const char* code;
};

// Every job, by id, as the API shows it (status, updated_at, history length).
std::map<std::string, std::string> snapshot(served_jobforge& jf) {
  std::map<std::string, std::string> out;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    auto r = jf.get("/api/jobs?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    for (const auto& j : r.object().at("items").as_array()) {
      const auto& o = j.as_object();
      out[std::string(o.at("id").as_string())] =
          json::serialize(o.at("status")) + json::serialize(o.at("updated_at")) +
          std::to_string(o.at("history").as_array().size()) + json::serialize(o.at("payload")) +
          json::serialize(o.at("depends_on")) + json::serialize(o.at("priority"));
    }
    const auto* next = r.object().if_contains("next_cursor");
    if (!next) break;
    cursor = std::string(next->as_string());
  }
  return out;
}

}  // namespace

TEST_CASE("bad input on every writing route is refused with a 4xx and changes nothing",
          "[bad_input]") {
  served_jobforge jf({"--max-body-bytes", "65536"});
  // Something to change: a failed job, a blocked job with a parent, a sleeping one.
  auto failed =
      jf.post("/api/jobs?wait=10",
              json::object{{"type", "fail"}, {"payload", {{"times", 9}, {"kind", "permanent"}}}});
  REQUIRE(status_of(failed) == "failed");
  const auto failed_id = e2e::id_of(failed);
  const auto parent = e2e::submit(jf, e2e::sleep_job(60'000));
  const auto child = e2e::submit(
      jf, json::object{{"type", "echo"}, {"depends_on", json::array{json::value(parent)}}});
  jf.post("/api/job-types/noop/pause", json::object{});
  const auto before = snapshot(jf);
  REQUIRE(before.size() == 3);

  const std::string unknown = "0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a";
  const std::vector<bad_request> table = {
      // submit
      {"POST", "/api/jobs", R"({"type": "echo", )", 400, "invalid_json"},
      {"POST", "/api/jobs", "", 400, "invalid_json"},
      {"POST", "/api/jobs", "[1, 2]", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": 7})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "colour": "red"})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "priority": "urgent"})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "max_attempts": 0})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "run_at": "tomorrow"})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "depends_on": ["nope"]})", 400, "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "depends_on": [")" + unknown + R"("]})", 400,
       "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "echo", "webhook_url": "ftp://x/"})", 400,
       "invalid_argument"},
      {"POST", "/api/jobs", R"({"type": "nope"})", 422, "unknown_job_type"},
      {"POST", "/api/jobs", R"({"type": "sleep", "payload": {"ms": "soon"}})", 422,
       "schema_violation"},
      {"POST", "/api/jobs", R"({"type": "email.send", "payload": {"to": "a@b.c"}})", 422,
       "schema_violation"},
      {"POST", "/api/jobs",
       R"({"type": "echo", "payload": {"x": ")" + std::string(70'000, 'y') + R"("}})", 413,
       "payload_too_large"},
      {"POST", "/api/jobs?wait=-1", R"({"type": "echo"})", 400, "invalid_argument"},
      {"POST", "/api/jobs?colour=red", R"({"type": "echo"})", 400, "invalid_argument"},
      // batch: one bad entry refuses the whole batch
      {"POST", "/api/jobs/batch", R"({"jobs": [{"type": "echo"}, {"type": "nope"}]})", 422,
       "unknown_job_type"},
      {"POST", "/api/jobs/batch",
       R"({"jobs": [{"name": "a", "type": "echo", "depends_on": ["b"]}]})", 400,
       "invalid_argument"},
      {"POST", "/api/jobs/batch", R"({"jobs": "all"})", 400, "invalid_argument"},
      // cancel
      {"POST", "/api/jobs/not-an-id/cancel", "", 400, "invalid_argument"},
      {"POST", "/api/jobs/" + unknown + "/cancel", "", 404, "not_found"},
      {"POST", "/api/jobs/" + parent + "/cancel", R"({"mode": "gently"})", 400, "invalid_argument"},
      {"POST", "/api/jobs/" + parent + "/cancel", R"({"reason": 5})", 400, "invalid_argument"},
      {"DELETE", "/api/jobs/" + parent + "?mode=later", "", 400, "invalid_argument"},
      // dependencies
      {"POST", "/api/jobs/" + child + "/dependencies", R"({"depends_on": [")" + child + R"("]})",
       422, "dependency_cycle"},
      {"POST", "/api/jobs/" + child + "/dependencies", R"({"depends_on": "x"})", 400,
       "invalid_argument"},
      {"POST", "/api/jobs/" + parent + "/dependencies", R"({"depends_on": [")" + child + R"("]})",
       409, "conflict"},
      {"DELETE", "/api/jobs/" + child + "/dependencies/" + unknown, "", 404, "not_found"},
      // retry, replay, discard
      {"POST", "/api/jobs/" + parent + "/retry", "", 409, "conflict"},
      {"POST", "/api/dead-letter/" + failed_id + "/replay", R"({"payload": {"times": "x"}})", 422,
       "schema_violation"},
      {"POST", "/api/dead-letter/" + failed_id + "/replay", R"({"payload": 1, "extra": 2})", 400,
       "invalid_argument"},
      {"POST", "/api/dead-letter/" + parent + "/discard", "", 409, "conflict"},
      {"POST", "/api/dead-letter/replay", R"({"ids": ["nope"]})", 400, "invalid_argument"},
      {"POST", "/api/dead-letter/discard", R"({"ids": 3})", 400, "invalid_argument"},
      // job types
      {"POST", "/api/job-types/nope/pause", "", 404, "not_found"},
      {"POST", "/api/job-types/nope/resume", "", 404, "not_found"},
      // bad query parameters on reads
      {"GET", "/api/jobs?limit=0", "", 400, "invalid_argument"},
      {"GET", "/api/jobs?status=finished", "", 400, "invalid_argument"},
      {"GET", "/api/jobs?cursor=garbage", "", 400, "invalid_argument"},
      {"GET", "/api/jobs?created_from=yesterday", "", 400, "invalid_argument"},
      {"GET", "/api/jobs/not-an-id", "", 400, "invalid_argument"},
      {"GET", "/api/events?job_id=nope", "", 400, "invalid_argument"},
  };
  for (const auto& bad : table) {
    const std::string what =
        std::string(bad.method) + " " + bad.path.substr(0, 120) + " " + bad.body.substr(0, 120);
    INFO(what);
    e2e::reply r;
    if (std::string(bad.method) == "POST")
      r = jf.post_text(bad.path, bad.body);
    else if (std::string(bad.method) == "DELETE")
      r = jf.del(bad.path);
    else
      r = jf.get(bad.path);
    INFO(json::serialize(r.body));
    CHECK(r.status == bad.status);
    CHECK(r.error_code() == bad.code);
    CHECK_FALSE(r.object().at("error").at("message").as_string().empty());
  }
  CHECK(snapshot(jf) == before);
  // And the paused type is still paused: a noop submitted now stays pending.
  const auto noop = e2e::submit(jf, json::object{{"type", "noop"}});
  CHECK(status_of(jf.get("/api/jobs/" + noop)) == "pending");
}

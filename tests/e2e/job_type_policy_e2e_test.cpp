// Per-type policy from the configuration on the real binary: the file's
// job_types and JOBFORGE_JOB_TYPES change a type's policy, GET
// /api/job-types/{name} shows each value with its source, jobs of the type
// get it; a bad policy stops the start naming the type. Also max_retry_ms on
// submission: shown on the job, bad values refused with 400.

#include "served_jobforge.hpp"

#include <fstream>

namespace json = boost::json;
using e2e::child_process;
using e2e::served_jobforge;
using namespace std::chrono_literals;

namespace {

std::string write_config(const e2e::temp_dir& dir, const std::string& text) {
  const auto path = dir.file("jobforge.json");
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a configured job type policy is shown with its sources and applies to its jobs") {
  e2e::temp_dir dir;
  const auto config = write_config(dir, R"({"job_types": {"fail": {
      "max_attempts": 2, "retry": {"initial_backoff_ms": 10, "jitter": 0},
      "max_retry_ms": 60000, "priority": "high"}}})");
  served_jobforge jf({"--config", config}, std::nullopt,
                     {R"(JOBFORGE_JOB_TYPES={"fail": {"concurrency_limit": 3}})"});

  const auto shown = jf.get("/api/job-types/fail");
  REQUIRE(shown.status == 200);
  INFO(json::serialize(shown.body));
  const auto& policy = shown.object().at("policy").as_object();
  CHECK(policy.at("max_attempts") == json::object{{"value", 2}, {"source", "config"}});
  CHECK(policy.at("retry.initial_backoff_ms") == json::object{{"value", 10}, {"source", "config"}});
  CHECK(policy.at("max_retry_ms") == json::object{{"value", 60000}, {"source", "config"}});
  CHECK(policy.at("priority") == json::object{{"value", "high"}, {"source", "config"}});
  CHECK(policy.at("concurrency_limit") == json::object{{"value", 3}, {"source", "environment"}});
  CHECK(policy.at("timeout_ms").at("source") == "built-in");
  CHECK(policy.at("retry.max_backoff_ms") == json::object{{"value", 5000}, {"source", "built-in"}});
  // The type as in the list is all there too, with the new defaults.
  CHECK(shown.object().at("name") == "fail");
  CHECK(shown.object().at("defaults").at("max_attempts") == 2);
  CHECK(shown.object().at("defaults").at("max_retry_ms") == 60000);
  CHECK(shown.object().at("limits").at("concurrency") == 3);
  CHECK(shown.object().contains("schema"));
  // Another type keeps its built-in policy.
  const auto echo = jf.get("/api/job-types/echo");
  REQUIRE(echo.status == 200);
  for (const auto& [key, value] : echo.object().at("policy").as_object()) {
    INFO(key);
    CHECK(value.at("source") == "built-in");
  }

  // A job of the type runs twice, not the built-in three times.
  const auto done =
      jf.post("/api/jobs?wait=20", json::object{{"type", "fail"}, {"payload", {{"times", 5}}}});
  REQUIRE(done.status == 201);
  CHECK(done.object().at("status") == "failed");
  CHECK(done.object().at("attempts") == 2);
  CHECK(done.object().at("max_attempts") == 2);
  CHECK(done.object().at("max_retry_ms") == 60000);
  CHECK(done.object().at("priority") == "high");
}

TEST_CASE("GET /api/job-types/{name} of an unknown type is a 404 envelope") {
  served_jobforge jf;
  const auto r = jf.get("/api/job-types/nope");
  CHECK(r.status == 404);
  CHECK(r.error_code() == "not_found");
  CHECK(r.object().at("error").at("details").at("type") == "nope");
}

TEST_CASE("a job type policy the types refuse stops serve and names the type") {
  struct bad_case {
    const char* config;
    const char* message;
  };
  const bad_case cases[] = {
      {R"({"job_types": {"nosuch": {"max_attempts": 2}}})",
       "job_types.nosuch: no job type of that name is registered"},
      {R"({"job_types": {"fail": {"max_attempts": 1000}}})",
       "job_types.fail: max_attempts: must be within 1..25 (the type's bound), got 1000"},
      {R"({"job_types": {"sleep": {"timeout_ms": 0}}})",
       "job_types.sleep: timeout_ms: must be within 1.."},
  };
  for (const auto& c : cases) {
    e2e::temp_dir dir;
    const auto config = write_config(dir, c.config);
    child_process p({JOBFORGE_BINARY, "serve", "--config", config, "--port", "0", "--data-dir",
                     dir.file("data")});
    CHECK(e2e::run_to_end(p) == 1);
    INFO(p.log());
    CHECK(p.log().find(c.message) != std::string::npos);
  }

  // The shape (an unknown key, a wrong JSON type) is a configuration problem.
  e2e::temp_dir dir;
  child_process shape({JOBFORGE_BINARY, "serve", "--port", "0", "--data-dir", dir.file("data")},
                      {R"(JOBFORGE_JOB_TYPES={"fail": {"max_tries": 2}})"});
  CHECK(e2e::run_to_end(shape) == 2);
  INFO(shape.log());
  CHECK(shape.log().find("env JOBFORGE_JOB_TYPES.fail: max_tries: unknown key") !=
        std::string::npos);
}

TEST_CASE("max_retry_ms is taken on submission, shown on the job, and bad values are refused") {
  served_jobforge jf;
  const auto ok =
      jf.post("/api/jobs",
              json::object{{"type", "noop"}, {"payload", json::object{}}, {"max_retry_ms", 30000}});
  REQUIRE(ok.status == 201);
  CHECK(ok.object().at("max_retry_ms") == 30000);
  const auto id = std::string(ok.object().at("id").as_string());
  CHECK(jf.get("/api/jobs/" + id).object().at("max_retry_ms") == 30000);

  for (const char* bad :
       {R"({"type":"noop","max_retry_ms":-1})", R"({"type":"noop","max_retry_ms":"soon"})",
        R"({"type":"noop","max_retry_ms":2.5})"}) {
    INFO(bad);
    const auto r = jf.post_text("/api/jobs", bad);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_argument");
    CHECK(r.object().at("error").at("message").as_string().find("max_retry_ms") !=
          std::string::npos);
  }
  // In a batch, the bad entry is named and nothing is made.
  const auto before = jf.get("/api/jobs").object().at("items").as_array().size();
  const auto batch = jf.post_text(
      "/api/jobs/batch",
      R"({"jobs": [{"name": "a", "type": "noop"}, {"name": "b", "type": "noop", "max_retry_ms": -5}]})");
  CHECK(batch.status == 400);
  CHECK(batch.object().at("error").at("details").at("index") == 1);
  CHECK(jf.get("/api/jobs").object().at("items").as_array().size() == before);
}

// What operators read: GET /api/stats, GET /metrics (Prometheus text) and
// GET /openapi.json, checked by a real OpenAPI validator (npm, installed by
// scripts/setup.sh) and against the routes the server really has.

#include "served_jobforge.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using namespace std::chrono_literals;

namespace {

// The value of one sample line `name{labels} value` of a Prometheus text, or -1.
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

void run_jobs(served_jobforge& jf) {
  for (int i = 0; i < 3; ++i)
    REQUIRE(status_of(jf.post("/api/jobs?wait=10",
                              json::object{{"type", "echo"}, {"payload", {{"i", i}}}})) ==
            "completed");
  REQUIRE(status_of(jf.post("/api/jobs?wait=10",
                            json::object{{"type", "fail"},
                                         {"payload", {{"times", 5}, {"kind", "permanent"}}}})) ==
          "failed");
}

}  // namespace

TEST_CASE("stats count each type's jobs, queue depth, executors and store batches", "[telemetry]") {
  served_jobforge jf;
  run_jobs(jf);
  // The figures follow the runtime's events, which may trail the answer a little.
  json::value stats;
  REQUIRE(e2e::eventually(
      [&] {
        auto r = jf.get("/api/stats");
        REQUIRE(r.status == 200);
        stats = r.body;
        const auto& types = stats.at("types").as_object();
        return types.contains("echo") && types.at("echo").at("completed") == 3 &&
               types.contains("fail") && types.at("fail").at("failed") == 1;
      },
      5s));
  INFO(json::serialize(stats));
  CHECK(stats.at("jobs").at("completed") == 3);
  CHECK(stats.at("jobs").at("failed") == 1);
  const auto& echo = stats.at("types").at("echo");
  CHECK(echo.at("submitted") == 3);
  CHECK(echo.at("started") == 3);
  CHECK(echo.at("failure_rate") == 0.0);
  CHECK(echo.at("run_time_ms").at("count") == 3);
  CHECK(stats.at("types").at("fail").at("failure_rate") == 1.0);
  CHECK(stats.at("queue").at("ready") == 0);
  CHECK(stats.at("queue").at("by_priority").at("normal") == 0);
  CHECK(stats.at("executors").at("total") == 4);
  CHECK(stats.at("store").at("writes").as_int64() >= 8);
  CHECK(stats.at("throughput").at("completed_per_second_1m").as_double() > 0);
  // The job types show their own figures.
  auto type = jf.get("/api/job-types/echo");
  CHECK(type.object().at("stats").at("completed") == 3);
  // Unknown query parameters are refused.
  CHECK(jf.get("/api/stats?x=1").status == 400);
}

TEST_CASE("metrics are Prometheus text with jobs by type, queue, executors and the store",
          "[telemetry]") {
  served_jobforge jf;
  run_jobs(jf);
  std::string text;
  REQUIRE(e2e::eventually(
      [&] {
        auto r = jf.get_raw("/metrics");
        REQUIRE(r);
        REQUIRE(r->status == 200);
        CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
        text = r->body;
        return sample(text, R"(jobforge_jobs_completed_total{type="echo"})") == 3;
      },
      5s));
  INFO(text);
  CHECK(sample(text, R"(jobforge_jobs_created_total{type="echo"})") == 3);
  CHECK(sample(text, R"(jobforge_jobs_failed_total{type="fail"})") == 1);
  CHECK(sample(text, R"(jobforge_jobs_canceled_total{type="sleep"})") == 0);  // present at zero
  CHECK(sample(text, R"(jobforge_job_run_seconds_count{type="echo"})") == 3);
  CHECK(sample(text, R"(jobforge_job_wait_seconds_count{type="echo"})") == 3);
  CHECK(sample(text, R"(jobforge_queue_depth{priority="high"})") == 0);
  CHECK(sample(text, "jobforge_executors") == 4);
  CHECK(sample(text, R"(jobforge_jobs{status="completed"})") == 3);
  CHECK(sample(text, "jobforge_store_transactions_total") >= 1);
  CHECK(sample(text, "jobforge_store_batch_size_count") ==
        sample(text, "jobforge_store_transactions_total"));
  CHECK(sample(text, "jobforge_store_commit_seconds_count") ==
        sample(text, "jobforge_store_transactions_total"));
  CHECK(text.find("# TYPE jobforge_job_run_seconds histogram") != std::string::npos);
  // Failed attempts by kind: the fail job's one permanent error.
  CHECK(sample(text, R"(jobforge_attempts_failed_total{kind="permanent",type="fail"})") == 1);
}

TEST_CASE("attempts that time out are counted by kind, for the timeout rate alert", "[telemetry]") {
  served_jobforge jf;
  REQUIRE(status_of(jf.post("/api/jobs?wait=10", json::object{{"type", "sleep"},
                                                              {"payload", {{"ms", 60000}}},
                                                              {"timeout_ms", 300},
                                                              {"max_attempts", 1}})) == "failed");
  std::string text;
  REQUIRE(e2e::eventually(
      [&] {
        text = jf.get_raw("/metrics")->body;
        return sample(text, R"(jobforge_attempts_failed_total{kind="timeout",type="sleep"})") == 1;
      },
      5s));
  INFO(text);
  CHECK(sample(text, R"(jobforge_jobs_started_total{type="sleep"})") == 1);
  CHECK(sample(text, R"(jobforge_attempts_failed_total{kind="permanent",type="sleep"})") == 0);
}

TEST_CASE("every metric the alert rules read is one the server exports", "[telemetry][alerts]") {
  std::ifstream in(std::string(JOBFORGE_SOURCE_DIR) + "/config/alerts.yml");
  REQUIRE(in);
  const std::string rules((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  served_jobforge jf;
  const auto text = jf.get_raw("/metrics")->body;
  const std::regex metric(R"(\bjobforge_[a-z_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), metric);
       it != std::sregex_iterator(); ++it)
    names.insert(std::regex_replace(it->str(), std::regex("_(bucket|count|sum)$"), ""));
  CHECK(names.size() >= 10);
  for (const auto& name : names) {
    // A standby's own (tests/http/standby_server_test.cpp).
    if (name.rfind("jobforge_standby", 0) == 0) continue;
    INFO(name);
    CHECK(text.find("# TYPE " + name + " ") != std::string::npos);
  }
}

TEST_CASE("openapi.json is valid OpenAPI and describes exactly the server's routes",
          "[telemetry][openapi]") {
  served_jobforge jf;
  auto r = jf.get_raw("/openapi.json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const auto doc = json::parse(r->body);

  // A real validator: the official OpenAPI 3 JSON Schemas, via npm.
  e2e::temp_dir dir;
  const auto file = dir.file("openapi.json");
  std::ofstream(file) << r->body;
  const std::string validator =
      std::string(JOBFORGE_SOURCE_DIR) + "/tools/openapi-validator/validate.mjs";
  const std::string command =
      "node '" + validator + "' '" + file + "' > '" + dir.file("out.txt") + "' 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream out(dir.file("out.txt"));
  const std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  INFO(report);
  REQUIRE(rc == 0);
  CHECK(report.find("valid OpenAPI 3.0") != std::string::npos);

  // Every documented operation exists on the server (no "no route" 404),
  // with any id, name or parent filled in.
  const std::regex placeholder(R"(\{[a-z]+\})");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") continue;
      documented.insert(std::string(method) + " " + std::string(path));
      std::string concrete = std::regex_replace(std::string(path), placeholder,
                                                "0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a");
      concrete = std::regex_replace(concrete, std::regex("job-types/0190[^/]*"), "job-types/echo");
      e2e::reply answer;
      // Answers that are not JSON: the metrics, downloads and the dashboard.
      if (concrete == "/metrics" || concrete.find("/download") != std::string::npos ||
          concrete == "/" || concrete.rfind("/ui/", 0) == 0) {
        auto raw = jf.get_raw(concrete);
        REQUIRE(raw);
        CHECK(raw->body.find("no route") == std::string::npos);
        continue;
      }
      if (method == "get")
        answer = jf.get(concrete.rfind("/api/events", 0) == 0 ? "/api/jobs" : concrete);
      else if (method == "post")
        answer = jf.post_text(concrete, "{}");
      else if (method == "delete")
        answer = jf.del(concrete);
      INFO(method << " " << concrete << " -> " << json::serialize(answer.body));
      const bool no_route = answer.status == 404 &&
                            answer.body.at("error").at("message").as_string().find("no route") == 0;
      CHECK_FALSE(no_route);
    }
  }
  // And the routes of SPEC §8 that jobforge serves are all documented.
  for (const char* op : {"post /api/jobs",
                         "get /api/jobs",
                         "post /api/jobs/batch",
                         "get /api/jobs/{id}",
                         "delete /api/jobs/{id}",
                         "post /api/jobs/{id}/cancel",
                         "get /api/jobs/{id}/progress",
                         "get /api/jobs/{id}/history",
                         "get /api/jobs/{id}/result",
                         "get /api/jobs/{id}/result/download",
                         "get /api/jobs/{id}/dependencies",
                         "post /api/jobs/{id}/dependencies",
                         "delete /api/jobs/{id}/dependencies/{parent}",
                         "get /api/jobs/{id}/dependents",
                         "get /api/jobs/{id}/graph",
                         "get /api/jobs/{id}/logs",
                         "post /api/jobs/{id}/priority",
                         "post /api/jobs/bulk",
                         "post /api/jobs/{id}/retry",
                         "get /api/dead-letter",
                         "get /api/dead-letter/summary",
                         "post /api/dead-letter/{id}/replay",
                         "post /api/dead-letter/{id}/discard",
                         "post /api/dead-letter/replay",
                         "post /api/dead-letter/discard",
                         "get /api/job-types",
                         "get /api/job-types/{name}",
                         "post /api/job-types/{name}/pause",
                         "post /api/job-types/{name}/resume",
                         "get /api/events",
                         "get /api/stats",
                         "get /api/stats/series",
                         "get /metrics",
                         "get /health",
                         "get /api/cluster/nodes",
                         "get /ready",
                         "get /openapi.json",
                         "get /api/whoami",
                         "get /",
                         "get /ui/{path}"}) {
    INFO(op);
    CHECK(documented.count(op) == 1);
  }
}

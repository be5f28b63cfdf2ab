// Schedules over HTTP on the real binary: the config's schedules and those
// made through the API, pause, resume, trigger, delete, refusals, a restart
// that keeps them, a bad config that stops the start, and tenancy with
// roles. Ticks themselves are tested in simulated time
// (tests/runtime/schedule_test.cpp): cron's finest tick is a minute.
#include "keyed_server.hpp"

#include <fstream>

namespace json = boost::json;
using e2e::answer;
using e2e::child_process;
using e2e::keyed_server;
using e2e::role;
using e2e::served_jobforge;
using namespace std::chrono_literals;

namespace {

std::string config_with_schedules(e2e::temp_dir& dir, const json::array& schedules) {
  const auto config = dir.file("jobforge.json");
  std::ofstream(config) << json::serialize(json::object{{"schedules", schedules}});
  return config;
}

const json::object nightly{{"name", "nightly"},
                           {"cron", "0 3 * * *"},
                           {"zone", "Europe/Berlin"},
                           {"job", {{"type", "echo"}, {"payload", {{"from", "config"}}}}}};

json::object hourly(const std::string& name) {
  return {{"name", name},
          {"cron", "@hourly"},
          {"on_missed", "catch_up"},
          {"catch_up_cap", 2},
          {"job", {{"type", "echo"}, {"payload", {{"n", 1}}}}}};
}

}  // namespace

TEST_CASE(
    "schedules over HTTP: list, create, pause, resume, trigger, delete; kept across a restart",
    "[schedule]") {
  e2e::temp_dir dir;
  const auto config = config_with_schedules(dir, json::array{nightly});
  const auto data = dir.file("data");
  {
    served_jobforge jf({"--config", config}, data);
    auto list = jf.get("/api/schedules");
    REQUIRE(list.status == 200);
    const auto& items = list.object().at("items").as_array();
    REQUIRE(items.size() == 1);
    const auto& n = items[0].as_object();
    CHECK(n.at("name") == "nightly");
    CHECK(n.at("origin") == "config");
    CHECK(n.at("zone") == "Europe/Berlin");
    CHECK(n.at("tenant") == "default");
    CHECK(n.at("next_fire_at").is_string());
    CHECK(n.at("last_job").is_null());
    CHECK(n.at("fires") == 0);

    auto made = jf.post("/api/schedules", hourly("reports"));
    INFO(json::serialize(made.body));
    REQUIRE(made.status == 201);
    CHECK(made.object().at("origin") == "api");
    CHECK(made.object().at("created_by") == "loopback");
    CHECK(made.object().at("on_missed") == "catch_up");
    const std::string next(made.object().at("next_fire_at").as_string());
    CHECK(next.find(":00:00.000Z") == next.size() - 11);

    // Refusals name what is wrong and change nothing.
    auto bad_cron = hourly("bad");
    bad_cron["cron"] = "0 25 * * *";
    auto refused = jf.post("/api/schedules", bad_cron);
    CHECK(refused.status == 400);
    CHECK(refused.error_code() == "invalid_argument");
    auto bad_zone = hourly("bad");
    bad_zone["zone"] = "Atlantis/Capital";
    CHECK(jf.post("/api/schedules", bad_zone).status == 400);
    auto bad_type = hourly("bad");
    bad_type["job"].as_object()["type"] = "no-such-type";
    CHECK(jf.post("/api/schedules", bad_type).error_code() == "unknown_job_type");
    auto unknown_field = hourly("bad");
    unknown_field["colour"] = "blue";
    auto strict = jf.post("/api/schedules", unknown_field);
    CHECK(strict.status == 400);
    CHECK(strict.body.at("error").at("message").as_string().find("colour") != json::string::npos);
    CHECK(jf.post("/api/schedules", hourly("reports")).status == 409);
    CHECK(jf.post("/api/schedules", hourly("nightly")).status == 409);
    CHECK(jf.post_text("/api/schedules", "{not json").status == 400);
    CHECK(jf.get("/api/schedules/bad").status == 404);

    auto paused = jf.post_text("/api/schedules/reports/pause", "");
    REQUIRE(paused.status == 200);
    CHECK(paused.object().at("paused") == true);
    CHECK(paused.object().at("next_fire_at").is_null());

    auto triggered = jf.post_text("/api/schedules/nightly/trigger", "");
    INFO(json::serialize(triggered.body));
    REQUIRE(triggered.status == 201);
    const std::string job_id(triggered.object().at("id").as_string());
    CHECK(triggered.object().at("type") == "echo");
    auto after = jf.get("/api/schedules/nightly");
    CHECK(after.object().at("last_job") == json::value(job_id));
    CHECK(after.object().at("fires") == 1);
    CHECK(after.object().at("last_tick").is_null());
    CHECK(jf.post_text("/api/schedules/nope/trigger", "").status == 404);
    auto metrics = jf.get_raw("/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("jobforge_schedule_fires_total{schedule=\"nightly\"} 1\n") !=
          std::string::npos);
    CHECK(metrics->body.find(
              "jobforge_schedule_next_fire_timestamp_seconds{schedule=\"reports\"} 0\n") !=
          std::string::npos);  // paused
    CHECK(metrics->body.find("jobforge_schedule_failures_total{schedule=\"reports\"} 0\n") !=
          std::string::npos);

    CHECK(jf.del("/api/schedules/nightly").status == 409);
    auto gone = jf.post("/api/schedules", hourly("short-lived"));
    REQUIRE(gone.status == 201);
    auto with_it = jf.get_raw("/metrics");
    REQUIRE(with_it);
    CHECK(with_it->body.find("{schedule=\"short-lived\"}") != std::string::npos);
    CHECK(jf.del("/api/schedules/short-lived").status == 204);
    CHECK(jf.get("/api/schedules/short-lived").status == 404);
    CHECK(jf.del("/api/schedules/short-lived").status == 404);
    // A deleted schedule's series go with it.
    auto after_delete = jf.get_raw("/metrics");
    REQUIRE(after_delete);
    CHECK(after_delete->body.find("short-lived") == std::string::npos);
    REQUIRE(jf.process().stop_with(SIGTERM, 15s) == 0);
  }
  // Restarted on the same data: the API schedule, its pause and the config
  // schedule's counts are all still there.
  served_jobforge jf({"--config", config}, data);
  auto list = jf.get("/api/schedules");
  REQUIRE(list.status == 200);
  const auto& items = list.object().at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("name") == "nightly");
  CHECK(items[0].at("fires") == 1);
  CHECK(items[1].at("name") == "reports");
  CHECK(items[1].at("paused") == true);
  auto resumed = jf.post_text("/api/schedules/reports/resume", "");
  REQUIRE(resumed.status == 200);
  CHECK(resumed.object().at("paused") == false);
  CHECK(resumed.object().at("next_fire_at").is_string());
  CHECK(jf.process().log().find("audit: actor=loopback") != std::string::npos);
}

TEST_CASE("schedules: a bad schedule in the config stops the start, naming it", "[schedule]") {
  e2e::temp_dir dir;
  auto wrong = hourly("broken");
  wrong["cron"] = "every tuesday";
  auto unknown_type = hourly("typo");
  unknown_type["job"].as_object()["type"] = "ecko";
  {
    const auto config = config_with_schedules(dir, json::array{wrong});
    child_process p({JOBFORGE_BINARY, "serve", "--config", config, "--data-dir", dir.file("d1")});
    CHECK(e2e::run_to_end(p) == 2);
    INFO(p.log());
    CHECK(p.log().find("schedules[0] (broken)") != std::string::npos);
  }
  {
    const auto config = config_with_schedules(dir, json::array{unknown_type});
    child_process p({JOBFORGE_BINARY, "serve", "--config", config, "--data-dir", dir.file("d2")});
    CHECK(e2e::run_to_end(p) == 1);
    INFO(p.log());
    CHECK(p.log().find("schedules (typo)") != std::string::npos);
  }
}

TEST_CASE("schedules: tenants see and change their own only; viewers read, operators act",
          "[schedule][auth]") {
  keyed_server s;
  const auto body = [](const std::string& name) { return json::serialize(hourly(name)); };
  CHECK(s.as("acme", role::submitter, "POST", "/api/schedules", body("a")).status == 403);
  auto made = s.as("acme", role::operator_, "POST", "/api/schedules", body("acme-report"));
  INFO(json::serialize(made.body));
  REQUIRE(made.status == 201);
  CHECK(made.body.at("tenant") == "acme");
  CHECK(made.body.at("created_by") == json::value(e2e::actor_of("acme", role::operator_)));
  REQUIRE(s.as("globex", role::operator_, "POST", "/api/schedules", body("globex-report")).status ==
          201);
  // Naming another tenant is for admins.
  auto other = hourly("sneaky");
  other["job"].as_object()["tenant"] = "globex";
  CHECK(s.as("acme", role::operator_, "POST", "/api/schedules", json::serialize(other)).status ==
        403);

  const auto names = [&](const std::string& tenant, role r) {
    auto a = s.as(tenant, r, "GET", "/api/schedules");
    REQUIRE(a.status == 200);
    std::vector<std::string> out;
    for (const auto& item : a.body.at("items").as_array())
      out.emplace_back(item.at("name").as_string());
    return out;
  };
  CHECK(names("acme", role::viewer) == std::vector<std::string>{"acme-report"});
  CHECK(names("globex", role::viewer) == std::vector<std::string>{"globex-report"});
  CHECK(names("acme", role::admin) == std::vector<std::string>{"acme-report", "globex-report"});

  // Another tenant's schedule does not exist for globex.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/schedules/acme-report"},
           {"POST", "/api/schedules/acme-report/pause"},
           {"POST", "/api/schedules/acme-report/trigger"},
           {"DELETE", "/api/schedules/acme-report"}}) {
    INFO(method << " " << path);
    CHECK(s.as("globex", role::operator_, method, path).status == 404);
  }
  CHECK(s.as("acme", role::viewer, "POST", "/api/schedules/acme-report/pause").status == 403);
  CHECK(s.as("acme", role::operator_, "POST", "/api/schedules/acme-report/pause").status == 200);
  auto job = s.as("acme", role::operator_, "POST", "/api/schedules/acme-report/trigger");
  REQUIRE(job.status == 201);
  CHECK(job.body.at("tenant") == "acme");
  CHECK(s.as("acme", role::operator_, "DELETE", "/api/schedules/acme-report").status == 204);
  CHECK(names("acme", role::admin) == std::vector<std::string>{"globex-report"});
}

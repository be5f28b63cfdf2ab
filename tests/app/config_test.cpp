#include "app/config.hpp"

#include "../support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace jobforge::app;
using jobforge::testing_support::temp_dir;

namespace {

std::string write(const temp_dir& dir, const std::string& text) {
  const auto path = dir.file("jobforge.json");
  std::ofstream(path) << text;
  return path;
}

std::string all(const config_problems& problems) {
  std::string out;
  for (const auto& p : problems)
    out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("with no file and no environment the defaults serve on 127.0.0.1:8080 with SQLite",
          "[config]") {
  server_config c;
  config_problems problems;
  apply_config_file(c, "/nonexistent/jobforge.json", false, problems);
  apply_environment(c, {}, problems);
  check_combination(c, problems);
  CHECK(problems.empty());
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 8080);
  CHECK(c.store == "sqlite");
  CHECK(c.data_dir == "data");
  CHECK(c.api_keys.empty());
}

TEST_CASE("a named config file that is missing is an error", "[config]") {
  server_config c;
  config_problems problems;
  apply_config_file(c, "/nonexistent/jobforge.json", true, problems);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0],
             Catch::Contains("/nonexistent/jobforge.json") && Catch::Contains("cannot be read"));
}

TEST_CASE("the file sets keys, the environment overrides them", "[config]") {
  temp_dir dir;
  const auto path = write(dir, R"({
    "port": 9090, "data_dir": "/var/lib/jobforge", "store": "memory", "executors": 4,
    "log_format": "json",
    "api_keys": [{"key": "0123456789abcdef-admin", "tenant": "acme", "role": "admin",
                  "name": "ada"},
                 {"key": "0123456789abcdef-view", "tenant": "globex", "role": "viewer"}]
  })");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  apply_environment(c, {{"JOBFORGE_PORT", "7070"}, {"JOBFORGE_UNRELATED", "x"}}, problems);
  check_combination(c, problems);
  INFO(all(problems));
  CHECK(problems.empty());
  CHECK(c.port == 7070);  // env over file
  CHECK(c.data_dir == "/var/lib/jobforge");
  CHECK(c.store == "memory");
  CHECK(c.executors == 4);
  CHECK(c.log_format == "json");
  REQUIRE(c.api_keys.size() == 2);
  CHECK(c.api_keys[0].tenant == "acme");
  CHECK(c.api_keys[0].role == role::admin);
  CHECK(c.api_keys[1].role == role::viewer);
  CHECK(c.api_keys[0].name == "ada");
  CHECK(c.api_keys[1].name.empty());
}

TEST_CASE("every bad key is reported at once, with the file and key named", "[config]") {
  temp_dir dir;
  const auto path = write(dir, R"({
    "port": "80a", "executors": 5000, "store": "mysql", "prot": 1, "tls_cert": "c.pem",
    "api_keys": [{"key": "short", "tenant": "", "role": "root", "extra": 1, "name": ""}, 7]
  })");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  check_combination(c, problems);
  const std::string text = all(problems);
  INFO(text);
  CHECK_THAT(text,
             Catch::Contains(path + ": port: must be an integer within 0..65535, got \"80a\""));
  CHECK_THAT(
      text, Catch::Contains(path + ": executors: must be an integer within 0..4096, got \"5000\""));
  CHECK_THAT(text,
             Catch::Contains(path + ": store: must be sqlite, postgres or memory, got \"mysql\""));
  CHECK_THAT(text, Catch::Contains(path + ": prot: unknown key"));
  CHECK_THAT(text, Catch::Contains("api_keys[0].key: must be at least 16 characters"));
  CHECK_THAT(text, Catch::Contains("api_keys[0].tenant: must be a non-empty string"));
  CHECK_THAT(text,
             Catch::Contains("api_keys[0].role: must be admin, operator, submitter or viewer"));
  CHECK_THAT(text, Catch::Contains("api_keys[0].extra: unknown key"));
  CHECK_THAT(text, Catch::Contains("api_keys[0].name: must be a non-empty string"));
  CHECK_THAT(text, Catch::Contains("api_keys[1]: must be an object"));
  CHECK_THAT(text, Catch::Contains("tls_cert and tls_key: give both"));
  CHECK(c.port == 8080);  // nothing bad was applied
  CHECK(c.executors == 16);
  CHECK(c.api_keys.empty());
}

TEST_CASE("bad environment values name the variable", "[config]") {
  server_config c;
  config_problems problems;
  apply_environment(c,
                    {{"JOBFORGE_EXECUTORS", "many"},
                     {"JOBFORGE_SQLITE_SYNC", "sometimes"},
                     {"JOBFORGE_API_KEYS", "[{"}},
                    problems);
  const std::string text = all(problems);
  INFO(text);
  REQUIRE(problems.size() == 3);
  CHECK_THAT(text, Catch::Contains("env JOBFORGE_EXECUTORS: must be an integer within 0..4096, "
                                   "got \"many\""));
  CHECK_THAT(text, Catch::Contains("env JOBFORGE_SQLITE_SYNC: must be full, normal or off"));
  CHECK_THAT(text, Catch::Contains("env JOBFORGE_API_KEYS: is not a JSON array"));
}

TEST_CASE("a file that is not JSON, or not an object, is one clear problem", "[config]") {
  temp_dir dir;
  for (const char* text : {"{\"port\": ", "[1, 2]"}) {
    server_config c;
    config_problems problems;
    apply_config_file(c, write(dir, text), true, problems);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::Contains("jobforge.json"));
  }
}

TEST_CASE("duplicate API keys are refused", "[config]") {
  server_config c;
  c.api_keys = {{"0123456789abcdef", "a", role::admin, ""},
                {"0123456789abcdef", "b", role::viewer, ""}};
  config_problems problems;
  check_combination(c, problems);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("same key"));
}

TEST_CASE("the shipped config/jobforge.json is valid and documents every key", "[config]") {
  server_config c;
  config_problems problems;
  apply_config_file(c, JOBFORGE_SOURCE_DIR "/config/jobforge.json", true, problems);
  INFO(all(problems));
  CHECK(problems.empty());
  std::ifstream readme(JOBFORGE_SOURCE_DIR "/README.md");
  std::string text((std::istreambuf_iterator<char>(readme)), std::istreambuf_iterator<char>());
  for (const auto& doc : documented_keys()) {
    INFO(doc.key);
    CHECK(text.find("`" + doc.key + "`") != std::string::npos);
    CHECK(text.find("`" + doc.env + "`") != std::string::npos);
  }
}

TEST_CASE("the smtp, http_request, files and webhooks sections nest, each key with its variable",
          "[config]") {
  temp_dir dir;
  const auto path = write(dir, R"({
    "smtp": {"host": "mail.example", "port": 2525, "security": "starttls", "from": "a@b.c",
             "max_attachment_bytes": 1000},
    "http_request": {"max_response_bytes": 4096},
    "files": {"input_dir": "/srv/in"},
    "webhooks": {"secret": "s3cret", "max_attempts": 3,
                 "rules": [{"url": "https://hooks.example/a", "types": ["email.send"],
                            "events": ["failed"]},
                           {"url": "http://127.0.0.1:9000/all", "events": ["*"]}]}
  })");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  apply_environment(c, {{"JOBFORGE_SMTP_PORT", "465"}, {"JOBFORGE_SMTP_SECURITY", "tls"}},
                    problems);
  INFO(all(problems));
  CHECK(problems.empty());
  CHECK(c.smtp_host == "mail.example");
  CHECK(c.smtp_port == 465);  // env over file
  CHECK(c.smtp_security == "tls");
  CHECK(c.smtp_from == "a@b.c");
  CHECK(c.smtp_max_attachment_bytes == 1000);
  CHECK(c.http_request_max_response_bytes == 4096);
  CHECK(c.input_dir() == "/srv/in");
  CHECK(c.webhooks_secret == "s3cret");
  CHECK(c.webhooks_max_attempts == 3);
  REQUIRE(c.webhooks_rules.size() == 2);
  CHECK(c.webhooks_rules[0].types == std::vector<std::string>{"email.send"});
  CHECK(c.webhooks_rules[1].events == std::vector<std::string>{"*"});

  server_config defaults;
  CHECK(defaults.input_dir() == "data/inputs");
}

TEST_CASE("bad section keys and webhook rules are named, and change nothing", "[config]") {
  temp_dir dir;
  const auto path = write(dir, R"({
    "smtp": {"security": "ssl", "colour": "blue", "port": 0},
    "files": "in",
    "webhooks": {"rules": [{"url": "ftp://x/"}, {"url": "http://h/", "events": ["done"]},
                           {"url": "http://h/", "extra": 1}, 7]}
  })");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  apply_environment(c, {{"JOBFORGE_WEBHOOKS_RULES", "not json"}}, problems);
  const auto text = all(problems);
  INFO(text);
  CHECK(problems.size() == 9);
  CHECK_THAT(text, Catch::Contains("smtp.security: must be none, starttls or tls, got \"ssl\""));
  CHECK_THAT(text, Catch::Contains("smtp.colour: unknown key"));
  CHECK_THAT(text, Catch::Contains("smtp.port: must be an integer within 1..65535"));
  CHECK_THAT(text, Catch::Contains("files: must be an object"));
  CHECK_THAT(text, Catch::Contains("webhooks.rules[0].url: must be an http:// or https:// URL"));
  CHECK_THAT(text, Catch::Contains("webhooks.rules[1].events: \"done\" is not a status"));
  CHECK_THAT(text, Catch::Contains("webhooks.rules[2].extra: unknown key"));
  CHECK_THAT(text, Catch::Contains("webhooks.rules[3]: must be an object"));
  CHECK_THAT(text, Catch::Contains("env JOBFORGE_WEBHOOKS_RULES: is not a JSON array"));
  CHECK(c.smtp_security == "none");
  CHECK(c.webhooks_rules.empty());
}

TEST_CASE("the leader lease must leave room to renew, and postgres needs its url", "[config]") {
  server_config c;
  c.store = "postgres";
  c.postgres_lease_ms = 2000;
  c.postgres_renew_ms = 1000;
  config_problems problems;
  check_combination(c, problems);
  const std::string text = all(problems);
  CHECK_THAT(text,
             Catch::Contains("postgres.renew_ms must be at most a third of postgres.lease_ms"));
  CHECK_THAT(text, Catch::Contains("store postgres needs postgres.url"));

  c.postgres_url = "host=db";
  c.postgres_renew_ms = 600;
  problems.clear();
  check_combination(c, problems);
  CHECK(problems.empty());
}

TEST_CASE("schedules in the config are parsed, and each bad one is named", "[config][schedule]") {
  temp_dir dir;
  {
    const auto path = write(dir, R"({"schedules": [
      {"name": "nightly", "cron": "0 3 * * *", "zone": "Europe/Berlin",
       "job": {"type": "echo", "payload": {"n": 1}, "priority": "high"}},
      {"name": "hourly", "cron": "@hourly", "on_missed": "catch_up", "catch_up_cap": 3,
       "paused": true, "job": {"type": "noop"}}]})");
    server_config c;
    config_problems problems;
    apply_config_file(c, path, true, problems);
    INFO(all(problems));
    REQUIRE(problems.empty());
    REQUIRE(c.schedules.size() == 2);
    CHECK(c.schedules[0].zone == "Europe/Berlin");
    CHECK(c.schedules[0].job.priority == jobforge::priority::high);
    CHECK(c.schedules[1].on_missed == jobforge::missed_ticks_policy::catch_up);
    CHECK(c.schedules[1].catch_up_cap == 3);
    CHECK(c.schedules[1].paused);
  }
  const auto path = write(dir, R"({"schedules": [
    {"name": "a", "cron": "0 3 * * *", "job": {"type": "echo"}},
    {"name": "bad-cron", "cron": "0 3 * *", "job": {"type": "echo"}},
    {"name": "bad-zone", "cron": "@daily", "zone": "Nowhere/Land", "job": {"type": "echo"}},
    {"name": "a", "cron": "@daily", "job": {"type": "echo"}},
    {"name": "late", "cron": "@daily", "job": {"type": "echo", "run_in_ms": 5}},
    {"cron": "@daily", "job": {"type": "echo"}}]})");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  const auto text = all(problems);
  INFO(text);
  CHECK(problems.size() == 5);
  CHECK(text.find("schedules[1] (bad-cron)") != std::string::npos);
  CHECK(text.find("schedules[2] (bad-zone): zone: ") != std::string::npos);
  CHECK(text.find("schedules[3] (a): the name is used by an earlier schedule") !=
        std::string::npos);
  CHECK(text.find("schedules[4] (late)") != std::string::npos);
  CHECK(text.find("schedules[5]: ") != std::string::npos);
  CHECK(c.schedules.empty());  // nothing taken from a list with a bad entry
}

TEST_CASE("job_types policies are read from the file, the environment's merged key by key",
          "[config][policy]") {
  temp_dir dir;
  const auto path = write(dir, R"({"job_types": {
    "email.send": {"max_attempts": 6, "retry": {"jitter": 0.1}, "max_retry_ms": 600000},
    "echo": {"priority": "high"}}})");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  apply_environment(
      c,
      {{"JOBFORGE_JOB_TYPES",
        R"({"email.send": {"max_attempts": 9, "rate_limit": {"per_second": 2}}, "noop": {}})"}},
      problems);
  INFO(all(problems));
  REQUIRE(problems.empty());
  REQUIRE(c.job_types.count("email.send"));
  const auto& mail = c.job_types.at("email.send");
  CHECK(mail.size() == 4);
  CHECK(mail.at("max_attempts").value == 9);
  CHECK(mail.at("max_attempts").source == jobforge::policy_source::environment);
  CHECK(mail.at("retry.jitter").value == 0.1);
  CHECK(mail.at("retry.jitter").source == jobforge::policy_source::config);
  CHECK(mail.at("max_retry_ms").value == 600'000);
  CHECK(mail.at("rate_limit.per_second").source == jobforge::policy_source::environment);
  CHECK(c.job_types.at("echo").at("priority").value == "high");
  CHECK(c.job_types.count("noop"));
}

TEST_CASE("bad job_types are named with their type and key, and change nothing",
          "[config][policy]") {
  temp_dir dir;
  const auto path = write(dir, R"({"job_types": {
    "email.send": {"max_attempts": "many", "retries": 2, "retry": {"jitter": [1]}},
    "echo": {"priority": "urgent"}}})");
  server_config c;
  config_problems problems;
  apply_config_file(c, path, true, problems);
  const auto text = all(problems);
  CHECK(problems.size() == 4);
  CHECK_THAT(text, Catch::Contains(path + ": job_types.email.send: max_attempts: must be an "
                                          "integer, got \"many\""));
  CHECK_THAT(text, Catch::Contains(path + ": job_types.email.send: retries: unknown key"));
  CHECK_THAT(text,
             Catch::Contains(path + ": job_types.email.send: retry.jitter: must be a number"));
  CHECK_THAT(text, Catch::Contains(path + ": job_types.echo: priority: must be low, normal, high "
                                          "or critical"));
  CHECK(c.job_types.empty());

  config_problems env_problems;
  apply_environment(c, {{"JOBFORGE_JOB_TYPES", "[1, 2"}}, env_problems);
  REQUIRE(env_problems.size() == 1);
  CHECK_THAT(env_problems[0], Catch::Contains("env JOBFORGE_JOB_TYPES: is not a JSON object"));
  env_problems.clear();
  apply_environment(c, {{"JOBFORGE_JOB_TYPES", R"({"echo": 5})"}}, env_problems);
  REQUIRE(env_problems.size() == 1);
  CHECK_THAT(env_problems[0],
             Catch::Contains("env JOBFORGE_JOB_TYPES.echo: must be an object of policy keys"));
  env_problems.clear();
  apply_environment(c, {{"JOBFORGE_JOB_TYPES", "[]"}}, env_problems);
  REQUIRE(env_problems.size() == 1);
  CHECK_THAT(env_problems[0], Catch::Contains("env JOBFORGE_JOB_TYPES: must be an object"));
  CHECK(c.job_types.empty());
}

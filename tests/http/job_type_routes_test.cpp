// GET /api/job-types/{name} and max_retry_ms on submission, in process: a
// real runtime (memory store) behind a real http_server on an ephemeral
// loopback port, and an httplib client.
#include "handlers/demo_types.hpp"
#include "http/http_server.hpp"
#include "model/job_type_policy.hpp"
#include "runtime/runtime.hpp"

#include <httplib.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// The demo types, `fail` with a policy: two keys from the file, one from
// the environment.
job_type_registry types_with_policy() {
  job_type_registry types;
  REQUIRE(handlers::register_demo_types(types));
  std::vector<std::string> problems;
  auto policy = policy_from_json(json::parse(R"({"max_attempts": 4, "retry": {"jitter": 0}})"),
                                 policy_source::config, problems);
  for (auto& [key, setting] : policy_from_json(json::parse(R"({"max_retry_ms": 120000})"),
                                               policy_source::environment, problems))
    policy[key] = setting;
  REQUIRE(problems.empty());
  REQUIRE(types.apply_policy("fail", policy).empty());
  return types;
}

struct served_runtime {
  served_runtime() : rt(types_with_policy()), server(rt) {
    auto started = server.start();
    INFO((started ? std::string("ok") : to_string(started.error_value())));
    REQUIRE(started.has_value());
    port = *started;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5s);
    c.set_read_timeout(10s);
    return c;
  }
  runtime rt;
  http_server server;
  int port = 0;
};

json::object json_of(const httplib::Result& r) {
  REQUIRE(r);
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  INFO(r->body);
  REQUIRE_FALSE(ec);
  REQUIRE(v.is_object());
  return v.as_object();
}

}  // namespace

TEST_CASE("GET /api/job-types/{name} shows the type with its policy and each value's source",
          "[http][job_types]") {
  served_runtime s;
  auto c = s.client();
  const auto r = c.Get("/api/job-types/fail");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto body = json_of(r);
  CHECK(body.at("name") == "fail");
  for (const char* field : {"description", "schema", "sample_payload", "defaults", "limits"})
    CHECK(body.contains(field));
  CHECK(body.at("defaults").at("max_attempts") == 4);
  CHECK(body.at("defaults").at("max_retry_ms") == 120000);
  const auto& policy = body.at("policy").as_object();
  CHECK(policy.size() == policy_keys().size());
  CHECK(policy.at("max_attempts") == json::object{{"value", 4}, {"source", "config"}});
  CHECK(policy.at("retry.jitter") == json::object{{"value", 0.0}, {"source", "config"}});
  CHECK(policy.at("max_retry_ms") == json::object{{"value", 120000}, {"source", "environment"}});
  CHECK(policy.at("timeout_ms").at("source") == "built-in");
  CHECK(policy.at("rate_limit.burst").at("source") == "built-in");

  // The list does not carry the policy; one type does.
  const auto list = json_of(c.Get("/api/job-types"));
  for (const auto& item : list.at("items").as_array())
    CHECK_FALSE(item.as_object().contains("policy"));
}

TEST_CASE("GET /api/job-types/{name} of an unknown type is a 404 envelope", "[http][job_types]") {
  served_runtime s;
  auto c = s.client();
  const auto r = c.Get("/api/job-types/no.such.type");
  REQUIRE(r);
  CHECK(r->status == 404);
  const auto body = json_of(r);
  CHECK(body.at("error").at("code") == "not_found");
  CHECK(body.at("error").at("details").at("type") == "no.such.type");
  CHECK(std::string(body.at("error").at("message").as_string()).find("no.such.type") !=
        std::string::npos);
}

TEST_CASE("a submission's max_retry_ms is kept and shown; a bad one is a 400 and makes nothing",
          "[http][retry_time]") {
  served_runtime s;
  auto c = s.client();
  // The type's value when the submission names none; the submission's otherwise.
  auto typed = json_of(
      c.Post("/api/jobs", R"({"type": "fail", "payload": {"times": 0}})", "application/json"));
  CHECK(typed.at("max_retry_ms") == 120000);
  CHECK(typed.at("max_attempts") == 4);
  auto own =
      json_of(c.Post("/api/jobs", R"({"type": "noop", "max_retry_ms": 5000})", "application/json"));
  CHECK(own.at("max_retry_ms") == 5000);
  const auto id = std::string(own.at("id").as_string());
  CHECK(json_of(c.Get(("/api/jobs/" + id).c_str())).at("max_retry_ms") == 5000);

  const auto count = [&] { return json_of(c.Get("/api/jobs")).at("items").as_array().size(); };
  const auto before = count();
  for (const char* bad :
       {R"({"type": "noop", "max_retry_ms": -1})", R"({"type": "noop", "max_retry_ms": "1h"})",
        R"({"type": "noop", "max_retry_ms": 0.5})"}) {
    INFO(bad);
    const auto r = c.Post("/api/jobs", bad, "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    const auto body = json_of(r);
    CHECK(body.at("error").at("code") == "invalid_argument");
    CHECK(std::string(body.at("error").at("message").as_string()).find("max_retry_ms") !=
          std::string::npos);
  }
  const auto batch = c.Post(
      "/api/jobs/batch",
      R"({"jobs": [{"name": "a", "type": "noop"}, {"name": "b", "type": "noop", "max_retry_ms": -5}]})",
      "application/json");
  REQUIRE(batch);
  CHECK(batch->status == 400);
  CHECK(json_of(batch).at("error").at("details").at("index") == 1);
  CHECK(count() == before);
}

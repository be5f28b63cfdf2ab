#include "codec_test_support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace jobforge;
using namespace jobforge::codec_test;
namespace json = boost::json;

TEST_CASE("a submission with every field round-trips", "[codec]") {
  job_request q;
  q.type = "email.send";
  q.payload = json::parse(R"({"to":"ada@example.com","subject":"hi"})");
  q.priority = priority::critical;
  q.max_attempts = 5;
  q.max_retry_ms = 120'000;
  q.retry.initial_backoff_ms = 100;
  q.retry.max_backoff_ms = 10'000;
  q.retry.multiplier = 1.5;
  q.retry.jitter = 0.5;
  q.retry.retry_on = std::vector<std::string>{"smtp_4xx"};
  q.timeout_ms = 5'000;
  q.run_at = at("2026-11-23T14:05:09.123Z");
  q.dependencies.depends_on = {id_from(5), id_from(6), id_from(7)};
  q.dependencies.mode = dependency_mode::any;
  q.dependencies.on_failure = dependency_failure_policy::run;
  q.dependencies.timeout_ms = 30'000;
  q.unique_key = "k";
  q.unique_for_ms = 60'000;
  q.tenant = "acme";
  q.tags = {"a", "b"};
  q.webhook_url = "http://127.0.0.1:9/hook";
  q.webhook_events = {job_status::canceled};
  const json::value encoded = to_json(q);
  CHECK(encoded.at("run_at") == json::value("2026-11-23T14:05:09.123Z"));
  CHECK_FALSE(encoded.as_object().contains("run_in_ms"));
  for (const auto& id : encoded.at("depends_on").as_array())
    CHECK(is_lowercase_uuid(std::string(id.as_string())));
  auto decoded = job_request_from_json(through_text(encoded));
  REQUIRE(decoded);
  check_same(q, *decoded);
  CHECK(to_json(*decoded) == encoded);
}

TEST_CASE("a minimal submission leaves every option unset", "[codec]") {
  auto decoded = job_request_from_json(json::parse(R"({"type":"echo"})"));
  REQUIRE(decoded);
  CHECK(decoded->type == "echo");
  CHECK(decoded->payload == json::value(json::object{}));  // a missing payload is an empty object
  CHECK_FALSE(decoded->priority);
  CHECK_FALSE(decoded->max_attempts);
  CHECK(decoded->retry.empty());
  CHECK_FALSE(decoded->timeout_ms);
  CHECK_FALSE(decoded->run_at);
  CHECK_FALSE(decoded->run_in_ms);
  CHECK(decoded->dependencies.empty());
  CHECK(decoded->dependencies.mode == dependency_mode::all);
  CHECK(decoded->dependencies.on_failure == dependency_failure_policy::cancel);
  CHECK_FALSE(decoded->unique_key);
  CHECK_FALSE(decoded->unique_for_ms);
  CHECK(decoded->tenant.empty());
  CHECK(decoded->tags.empty());
  // and encodes back to just what was given
  CHECK(to_json(*decoded) == json::parse(R"({"type":"echo","payload":{}})"));
  // A partial retry override stays partial.
  auto partial = job_request_from_json(
      json::parse(R"({"type":"echo","payload":[1],"retry":{"multiplier":4}})"));
  REQUIRE(partial);
  CHECK(partial->payload == json::parse("[1]"));
  CHECK(partial->retry.multiplier == 4.0);
  CHECK_FALSE(partial->retry.initial_backoff_ms);
  CHECK_FALSE(partial->retry.jitter);
  CHECK_FALSE(partial->retry.retry_on);
  auto again = job_request_from_json(through_text(to_json(*partial)));
  REQUIRE(again);
  check_same(*partial, *again);
}

TEST_CASE("a submission takes run_at or run_in_ms but not both", "[codec]") {
  auto with_time = job_request_from_json(
      json::parse(R"({"type":"echo","run_at":"2026-11-23T15:05:09.123+01:00"})"));
  REQUIRE(with_time);
  CHECK(with_time->run_at == at("2026-11-23T14:05:09.123Z"));
  CHECK_FALSE(with_time->run_in_ms);

  auto with_delay = job_request_from_json(json::parse(R"({"type":"echo","run_in_ms":1500})"));
  REQUIRE(with_delay);
  CHECK(with_delay->run_in_ms == 1500);
  CHECK_FALSE(with_delay->run_at);
  const auto encoded = to_json(*with_delay);
  CHECK(encoded.at("run_in_ms") == json::value(1500));
  CHECK_FALSE(encoded.as_object().contains("run_at"));
  auto again = job_request_from_json(through_text(encoded));
  REQUIRE(again);
  check_same(*with_delay, *again);

  auto zero = job_request_from_json(json::parse(R"({"type":"echo","run_in_ms":0})"));
  REQUIRE(zero);
  CHECK(zero->run_in_ms == 0);

  check_invalid_at(job_request_from_json(json::parse(
                       R"({"type":"echo","run_at":"2026-11-23T14:05:09.123Z","run_in_ms":10})")),
                   "$.run_in_ms", "run_at");
  check_invalid_at(job_request_from_json(json::parse(R"({"type":"echo","run_in_ms":-1})")),
                   "$.run_in_ms");
  check_invalid_at(job_request_from_json(json::parse(R"({"type":"echo","run_in_ms":"10"})")),
                   "$.run_in_ms", "integer");
  check_invalid_at(job_request_from_json(json::parse(R"({"type":"echo","run_at":"tomorrow"})")),
                   "$.run_at", "RFC 3339");
  check_invalid_at(job_request_from_json(json::parse(R"({"type":"echo","run_at":1795442709123})")),
                   "$.run_at", "string");
}

TEST_CASE("bad submissions are refused with the JSON path of the problem", "[codec]") {
  struct bad {
    const char* text;
    const char* path;
    const char* message_part;
  };
  const bad cases[] = {
      {R"({})", "$.type", "required"},
      {R"({"type":1})", "$.type", "string"},
      {R"({"type":"echo","bogus":1})", "$.bogus", "not a known field"},
      {R"({"type":"echo","name":"a"})", "$.name", "not a known field"},
      {R"({"type":"echo","status":"pending"})", "$.status", "not a known field"},
      {R"({"type":"echo","retry":{"bogus":1}})", "$.retry.bogus", "not a known field"},
      {R"({"type":"echo","retry":{"multiplier":"2"}})", "$.retry.multiplier", "number"},
      {R"({"type":"echo","retry":{"retry_on":"x"}})", "$.retry.retry_on", "array"},
      {R"({"type":"echo","retry":{"retry_on":["x",null]}})", "$.retry.retry_on[1]", "string"},
      {R"({"type":"echo","retry":{"initial_backoff_ms":-1}})", "$.retry.initial_backoff_ms", ""},
      {R"({"type":"echo","retry":5})", "$.retry", "object"},
      {R"({"type":"echo","max_attempts":"3"})", "$.max_attempts", "integer"},
      {R"({"type":"echo","max_attempts":0})", "$.max_attempts", ""},
      {R"({"type":"echo","max_attempts":1e300})", "$.max_attempts", ""},
      {R"({"type":"echo","timeout_ms":0})", "$.timeout_ms", ""},
      {R"({"type":"echo","max_retry_ms":-1})", "$.max_retry_ms", ""},
      {R"({"type":"echo","max_retry_ms":"60000"})", "$.max_retry_ms", "integer"},
      {R"({"type":"echo","max_retry_ms":1.5})", "$.max_retry_ms", "integer"},
      {R"({"type":"echo","max_retry_ms":1e300})", "$.max_retry_ms", ""},
      {R"({"type":"echo","priority":"urgent"})", "$.priority", "urgent"},
      {R"({"type":"echo","depends_on":["0f8fad5b-d9cb-469f-a165-70867728950e","nope"]})",
       "$.depends_on[1]", "UUID"},
      {R"({"type":"echo","depends_on":"0f8fad5b-d9cb-469f-a165-70867728950e"})", "$.depends_on",
       "array"},
      {R"({"type":"echo","dependency_mode":"most"})", "$.dependency_mode", "most"},
      {R"({"type":"echo","on_dependency_failure":"retry"})", "$.on_dependency_failure", "retry"},
      {R"({"type":"echo","dependency_timeout_ms":-5})", "$.dependency_timeout_ms", ""},
      {R"({"type":"echo","dependency_timeout_ms":"1s"})", "$.dependency_timeout_ms", "integer"},
      {R"({"type":"echo","dependency_timeout_ms":99999999999999})", "$.dependency_timeout_ms", ""},
      {R"({"type":"echo","unique_key":7})", "$.unique_key", "string"},
      {R"({"type":"echo","unique_for_ms":-1})", "$.unique_for_ms", ""},
      {R"({"type":"echo","tenant":["a"]})", "$.tenant", "string"},
      {R"({"type":"echo","tags":[1]})", "$.tags[0]", "string"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    check_invalid_at(job_request_from_json(json::parse(c.text)), c.path, c.message_part);
  }
}

// ---------------------------------------------------------------------------
// The error envelope

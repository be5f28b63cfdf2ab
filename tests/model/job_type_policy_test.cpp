// An operator's policy for a job type: read from a `job_types.<name>`
// object, checked key by key against the type's bounds, applied all or
// nothing, and shown with where each value came from.

#include "model/job_type_policy.hpp"
#include "model/job_type_registry.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace jobforge;
namespace json = boost::json;

namespace {

job_type mail_type() {
  job_type t;
  t.name = "mail";
  t.schema = json::object{};
  t.defaults.max_attempts = 5;
  t.defaults.timeout_ms = 10'000;
  t.bounds.max_attempts = 10;
  t.max_timeout_ms = 60'000;
  t.handler = [](handler_context&, const json::value&) { return handler_result::ok(); };
  return t;
}

job_type_policy read(const char* text, policy_source source = policy_source::config) {
  std::vector<std::string> problems;
  auto policy = policy_from_json(json::parse(text), source, problems);
  INFO(text);
  for (const auto& p : problems)
    UNSCOPED_INFO(p);
  CHECK(problems.empty());
  return policy;
}

bool mentions(const std::vector<std::string>& problems, const std::string& part) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("every policy key is read, set on the type and shown with its source", "[policy]") {
  auto policy = read(R"({
    "max_attempts": 8,
    "retry": {"initial_backoff_ms": 200, "max_backoff_ms": 20000, "multiplier": 3,
              "jitter": 0.5, "retry_on": ["smtp_4xx"]},
    "max_retry_ms": 90000, "timeout_ms": 45000, "priority": "high",
    "concurrency_limit": 4, "rate_limit": {"per_second": 2.5, "burst": 5},
    "unique_for_ms": 30000})");
  CHECK(policy.size() == policy_keys().size());
  // The environment's value replaces the file's, key by key.
  for (auto& [key, setting] : read(R"({"max_attempts": 9})", policy_source::environment))
    policy[key] = setting;

  auto t = mail_type();
  const auto problems = apply_policy(t, policy);
  CHECK(problems.empty());
  CHECK(t.defaults.max_attempts == 9);
  CHECK(t.defaults.retry.initial_backoff_ms == 200);
  CHECK(t.defaults.retry.max_backoff_ms == 20'000);
  CHECK(t.defaults.retry.multiplier == 3.0);
  CHECK(t.defaults.retry.jitter == 0.5);
  CHECK(t.defaults.retry.retry_on == std::vector<std::string>{"smtp_4xx"});
  CHECK(t.defaults.max_retry_ms == 90'000);
  CHECK(t.defaults.timeout_ms == 45'000);
  CHECK(t.defaults.priority == priority::high);
  CHECK(t.concurrency_limit == 4);
  CHECK(t.rate.per_second == 2.5);
  CHECK(t.rate.burst == 5.0);
  CHECK(t.defaults.unique_for_ms == 30'000);

  const auto shown = effective_policy_json(t);
  CHECK(shown.size() == policy_keys().size());
  CHECK(shown.at("max_attempts") == json::object{{"value", 9}, {"source", "environment"}});
  CHECK(shown.at("retry.jitter") == json::object{{"value", 0.5}, {"source", "config"}});
  CHECK(shown.at("priority") == json::object{{"value", "high"}, {"source", "config"}});
}

TEST_CASE("a type without a policy shows every value as built-in", "[policy]") {
  const auto t = mail_type();
  const auto shown = effective_policy_json(t);
  for (const auto& key : policy_keys()) {
    INFO(key);
    REQUIRE(shown.contains(key));
    CHECK(shown.at(key).at("source") == "built-in");
  }
  CHECK(shown.at("max_attempts").at("value") == 5);
  CHECK(shown.at("timeout_ms").at("value") == 10'000);
  CHECK(shown.at("max_retry_ms").at("value") == 0);
}

TEST_CASE("unknown keys and wrong JSON types are named", "[policy]") {
  std::vector<std::string> problems;
  const auto policy = policy_from_json(
      json::parse(R"({"max_attempts": "five", "retries": 3, "retry": {"jitter": "lots",
                      "backoff": 1}, "rate_limit": 7, "priority": "urgent",
                      "timeout_ms": 1.5, "retry_on": ["a"]})"),
      policy_source::config, problems);
  CHECK(policy.empty());
  CHECK(problems.size() == 8);
  CHECK(mentions(problems, "max_attempts: must be an integer, got \"five\""));
  CHECK(mentions(problems, "retry_on: unknown key"));  // it belongs in "retry"

  CHECK(mentions(problems, "retries: unknown key"));
  CHECK(mentions(problems, "retry.jitter: must be a number"));
  CHECK(mentions(problems, "retry.backoff: unknown key"));
  CHECK(mentions(problems, "rate_limit: must be an object"));
  CHECK(mentions(problems, "priority: must be low, normal, high or critical, got \"urgent\""));
  CHECK(mentions(problems, "timeout_ms: must be an integer"));

  problems.clear();
  policy_from_json(json::parse("[1]"), policy_source::config, problems);
  CHECK(mentions(problems, "must be an object"));
}

TEST_CASE("values outside the type's bounds are refused and nothing changes", "[policy]") {
  auto t = mail_type();
  const auto before = effective_policy_json(t);
  const auto problems = apply_policy(t, read(R"({
    "max_attempts": 11, "timeout_ms": 60001, "retry": {"jitter": 1.5, "multiplier": 0.5,
    "initial_backoff_ms": 5}, "concurrency_limit": -1, "rate_limit": {"burst": 0},
    "priority": "low"})"));
  CHECK(problems.size() == 7);
  CHECK(mentions(problems, "max_attempts: must be within 1..10 (the type's bound), got 11"));
  CHECK(mentions(problems, "timeout_ms: must be within 1..60000 (the type's max_timeout_ms)"));
  CHECK(mentions(problems, "retry.jitter: must be within 0..1"));
  CHECK(mentions(problems, "retry.multiplier: must be within 1"));
  CHECK(mentions(problems, "retry.initial_backoff_ms: must be within 10..3600000"));
  CHECK(mentions(problems, "concurrency_limit: must be within 0..1000000"));
  CHECK(mentions(problems, "rate_limit.burst: must be within 1"));
  // The good key (priority) did not apply either: all or nothing.
  CHECK(effective_policy_json(t) == before);
  CHECK(t.policy_sources.empty());
}

TEST_CASE("a first backoff beyond the longest is refused", "[policy]") {
  auto t = mail_type();
  const auto problems =
      apply_policy(t, read(R"({"retry": {"initial_backoff_ms": 5000, "max_backoff_ms": 1000}})"));
  REQUIRE(problems.size() == 1);
  CHECK(mentions(problems, "must not exceed retry.max_backoff_ms (5000 > 1000)"));
  CHECK(t.defaults.retry.initial_backoff_ms == 1'000);
}

TEST_CASE("max_retry_ms in a policy respects the type's cap", "[policy][retry_time]") {
  auto t = mail_type();
  CHECK(apply_policy(t, read(R"({"max_retry_ms": 0})")).empty());
  t.bounds.max_retry_ms = 60'000;
  t.defaults.max_retry_ms = 60'000;
  CHECK(mentions(apply_policy(t, read(R"({"max_retry_ms": 0})")), "within 1..60000"));
  CHECK(mentions(apply_policy(t, read(R"({"max_retry_ms": 60001})")), "within 1..60000"));
  CHECK(apply_policy(t, read(R"({"max_retry_ms": 1000})")).empty());
  CHECK(t.defaults.max_retry_ms == 1'000);
}

TEST_CASE("the registry applies a policy to a registered type and names unknown ones", "[policy]") {
  job_type_registry types;
  REQUIRE(types.add(mail_type()));
  const auto unknown = types.apply_policy("post", read(R"({"max_attempts": 2})"));
  REQUIRE(unknown.size() == 1);
  CHECK(mentions(unknown, "no job type of that name is registered (known: mail)"));
  CHECK(types.apply_policy("mail", read(R"({"max_attempts": 2})")).empty());
  CHECK(types.find("mail")->defaults.max_attempts == 2);

  // A job of the type gets the policy's value.
  job_request r;
  r.type = "mail";
  r.payload = json::object{};
  auto j = types.prepare(r, job_id::generate(*make_seeded_random(1)), from_unix_ms(0));
  REQUIRE(j);
  CHECK(j->max_attempts == 2);
}

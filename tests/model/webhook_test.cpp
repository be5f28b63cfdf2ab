#include "model/webhook.hpp"
#include "model/job_codec.hpp"
#include "model/job_factory.hpp"
#include "model/retry_policy.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

using namespace jobforge;

namespace {

namespace json = boost::json;

const timestamp t0 = from_unix_ms(1'700'000'000'000);

job_type plain_type(const std::string& name) {
  job_type t;
  t.name = name;
  return t;
}

// A job of `type` that was submitted and then moved through `path`.
job job_through(const std::string& type, std::vector<job_status> path,
                std::optional<std::string> url = std::nullopt,
                std::vector<job_status> events = {}) {
  job_request r;
  r.type = type;
  r.webhook_url = std::move(url);
  r.webhook_events = std::move(events);
  r.tags = {"t1"};
  auto j = build_job(r, plain_type(type), job_id::generate(*make_seeded_random(3)), t0);
  REQUIRE(j);
  timestamp at = t0;
  for (auto s : path) {
    at = at + milliseconds{10};
    transition_note note;
    if (s == job_status::failed) note.error = job_error{"boom", "it broke", error_kind::permanent};
    REQUIRE(transition(*j, s, at, note));
  }
  return *j;
}

}  // namespace

TEST_CASE("a job's own webhook fires on terminal statuses unless it names others", "[webhook]") {
  const webhook_settings none;
  auto running = job_through("echo", {job_status::running}, "https://h.example/a");
  CHECK(webhook_urls_for(running, none).empty());
  auto done =
      job_through("echo", {job_status::running, job_status::completed}, "https://h.example/a");
  CHECK(webhook_urls_for(done, none) == std::vector<std::string>{"https://h.example/a"});
  auto only_failures = job_through("echo", {job_status::running, job_status::completed},
                                   "https://h.example/a", {job_status::failed});
  CHECK(webhook_urls_for(only_failures, none).empty());
  auto every = job_through("echo", {job_status::running}, "https://h.example/a",
                           {all_job_statuses.begin(), all_job_statuses.end()});
  CHECK(webhook_urls_for(every, none).size() == 1);
  CHECK(webhook_urls_for(job_through("echo", {job_status::running, job_status::completed}), none)
            .empty());
}

TEST_CASE("configured webhooks match by type and status, each URL once", "[webhook]") {
  webhook_settings settings;
  settings.rules.push_back({"https://all.example/", {}, {}});
  settings.rules.push_back({"https://mail.example/", {"email.send"}, {job_status::failed}});
  settings.rules.push_back({"https://h.example/a", {}, {}});  // same as the job's own
  auto failed_mail =
      job_through("email.send", {job_status::running, job_status::failed}, "https://h.example/a");
  CHECK(webhook_urls_for(failed_mail, settings) ==
        std::vector<std::string>{"https://h.example/a", "https://all.example/",
                                 "https://mail.example/"});
  auto done_mail = job_through("email.send", {job_status::running, job_status::completed});
  CHECK(webhook_urls_for(done_mail, settings) ==
        std::vector<std::string>{"https://all.example/", "https://h.example/a"});
  auto failed_other = job_through("noop", {job_status::running, job_status::failed});
  CHECK(webhook_urls_for(failed_other, settings).size() == 2);
  // A delivery never calls webhooks itself, or a dead receiver would feed itself.
  auto delivery = job_through(webhook_delivery_type, {job_status::running, job_status::failed});
  CHECK(webhook_urls_for(delivery, settings).empty());
}

TEST_CASE("a webhook event names the change and carries the outcome", "[webhook]") {
  auto failed = job_through("email.send", {job_status::running, job_status::failed});
  const auto e = webhook_event(failed);
  CHECK(e.at("event") == json::value("job.failed"));
  CHECK(e.at("job_id") == json::value(to_string(failed.id)));
  CHECK(e.at("from") == json::value("running"));
  CHECK(e.at("to") == json::value("failed"));
  CHECK(e.at("attempt") == json::value(1));
  CHECK(e.at("tenant") == json::value("default"));
  CHECK(e.at("tags") == json::parse(R"(["t1"])"));
  CHECK(e.at("error").at("code") == json::value("boom"));
  CHECK_FALSE(e.as_object().contains("result"));
  auto done = job_through("echo", {job_status::running});
  done.result = json::parse(R"({"n":1})");
  REQUIRE(transition(done, job_status::completed, t0 + milliseconds{99}));
  const auto d = webhook_event(done);
  CHECK(d.at("result") == json::parse(R"({"n":1})"));
  CHECK(d.at("at") == json::value(format_rfc3339(t0 + milliseconds{99})));
}

TEST_CASE("webhook URLs and events are checked at submission", "[webhook]") {
  auto build = [](std::optional<std::string> url, std::vector<job_status> events = {}) {
    job_request r;
    r.type = "echo";
    r.webhook_url = std::move(url);
    r.webhook_events = std::move(events);
    return build_job(r, plain_type("echo"), job_id::generate(*make_seeded_random(4)), t0);
  };
  CHECK(build("http://127.0.0.1:8080/hook"));
  CHECK(build("https://hooks.example.com/x?y=1"));
  for (const char* bad : {"ftp://h/x", "https://", "http:///path", "https://h/ x",
                          "https://h/\r\nX-Evil: 1", "javascript:alert(1)"}) {
    INFO(bad);
    auto r = build(std::string(bad));
    REQUIRE_FALSE(r);
    CHECK(r.error_value().code == error_code::invalid_argument);
    CHECK(r.error_value().message.find("webhook_url") != std::string::npos);
  }
  CHECK_FALSE(build(std::string(3000, 'a')));
  auto events_alone = build(std::nullopt, {job_status::failed});
  REQUIRE_FALSE(events_alone);
  CHECK(events_alone.error_value().message.find("webhook_events") != std::string::npos);
}

TEST_CASE("webhook events decode from names, with * for every transition", "[webhook][codec]") {
  auto every = job_request_from_json(
      json::parse(R"({"type":"echo","webhook_url":"http://h/x","webhook_events":["*"]})"));
  REQUIRE(every);
  CHECK(every->webhook_events.size() == all_job_statuses.size());
  auto bad = job_request_from_json(
      json::parse(R"({"type":"echo","webhook_url":"http://h/x","webhook_events":["done"]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error_value().message.find("webhook_events") != std::string::npos);
}

TEST_CASE("a Retry-After on a transient error replaces the backoff", "[webhook][retry]") {
  retry_settings s;
  s.initial_backoff_ms = 1'000;
  auto rng = make_seeded_random(1);
  const auto plain = decide_retry(s, 1, 5, job_error{"http_429", "slow down"}, *rng);
  REQUIRE(plain.retry);
  CHECK(plain.delay <= milliseconds{1'000});
  const auto told =
      decide_retry(s, 1, 5, job_error{"http_429", "slow down", error_kind::transient, 7'000}, *rng);
  REQUIRE(told.retry);
  CHECK(told.delay == milliseconds{7'000});
  // Capped at the longest backoff a job may have.
  const auto huge = decide_retry(
      s, 1, 5, job_error{"http_429", "x", error_kind::transient, 400'000'000'000}, *rng);
  CHECK(huge.delay == milliseconds{retry_bounds{}.max_backoff_ms});
  // And never a reason to retry what may not be retried.
  CHECK_FALSE(
      decide_retry(s, 5, 5, job_error{"http_429", "x", error_kind::transient, 1}, *rng).retry);
}

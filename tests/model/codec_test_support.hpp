#pragma once
// Shared fixtures of the codec tests: a job with every field set, field-by-field
// comparisons, and helpers to reach into JSON by path.

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <functional>
#include <set>
#include <string>
#include <vector>
#include "model/job_codec.hpp"
#include "model/json_text.hpp"
#include "model/random_source.hpp"

namespace jobforge::codec_test {

namespace json = boost::json;

inline timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

inline job_id id_from(std::uint64_t seed) {
  auto rng = make_seeded_random(seed);
  return job_id::generate(*rng);
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// to_json -> text -> parse_json: the value as another process would see it.
inline json::value through_text(const json::value& v) {
  const std::string text = json::serialize(v);
  auto parsed = parse_json(text, 1 << 20);
  REQUIRE(parsed);
  return *parsed;
}

// A job with every field set, including everything optional.
inline job full_job() {
  job j;
  j.id = id_from(1);
  j.type = "email.send";
  j.payload = json::parse(
      R"({"to":"ada@example.com","vars":{"name":"Ada","n":[1,2.5,null,true,"x"]},"big":-9007199254740993})");
  j.status = job_status::retrying;
  j.priority = priority::high;
  j.inherited_priority = priority::critical;
  j.attempts = 2;
  j.max_attempts = 7;
  j.max_retry_ms = 90'000;
  j.retry.initial_backoff_ms = 250;
  j.retry.max_backoff_ms = 60'000;
  j.retry.multiplier = 3.5;
  j.retry.jitter = 0.125;
  j.retry.retry_on = {"smtp_4xx", "connection_refused"};
  j.timeout_ms = 45'000;
  j.run_at = at("2026-11-23T14:00:00.001Z");
  j.dependencies.depends_on = {id_from(2), id_from(3)};
  j.dependencies.mode = dependency_mode::any;
  j.dependencies.on_failure = dependency_failure_policy::run;
  j.dependencies.timeout_ms = 90'000;
  j.unique_key = "welcome-mail:42";
  j.unique_for_ms = 3'600'000;
  j.tenant = "acme";
  j.tags = {"onboarding", "mail", "ünïcode"};
  j.webhook_url = "https://hooks.example.com/jobforge?x=1";
  j.webhook_events = {job_status::failed, job_status::completed};
  j.progress =
      job_progress{42.5, "render", "rendering the template", at("2026-11-23T14:05:08.999Z"), 1'500};
  j.result = json::parse(R"({"delivery":"deferred","queue_id":"7F3A"})");
  j.last_error =
      job_error{"smtp_421", "service not available, try later", error_kind::transient, 30'000};
  j.checkpoint = json::parse(R"({"sent":3,"of":10})");
  history_entry submitted;
  submitted.at = at("2026-11-23T14:00:00.000Z");
  submitted.to = job_status::scheduled;
  history_entry ready;
  ready.at = at("2026-11-23T14:00:00.001Z");
  ready.from = job_status::scheduled;
  ready.to = job_status::pending;
  history_entry first_run;
  first_run.at = at("2026-11-23T14:00:00.010Z");
  first_run.from = job_status::pending;
  first_run.to = job_status::running;
  first_run.attempt = 1;
  first_run.node = "node-a";
  history_entry first_failure;
  first_failure.at = at("2026-11-23T14:00:05.010Z");
  first_failure.from = job_status::running;
  first_failure.to = job_status::retrying;
  first_failure.attempt = 1;
  first_failure.error = job_error{"timeout", "attempt ran past 45000 ms", error_kind::timeout};
  first_failure.node = "node-a";
  history_entry second_failure;
  second_failure.at = at("2026-11-23T14:05:09.123Z");
  second_failure.from = job_status::running;
  second_failure.to = job_status::retrying;
  second_failure.attempt = 2;
  second_failure.error = j.last_error;
  second_failure.node = "node-b";
  second_failure.reason = "smtp deferred";
  j.history = {submitted, ready, first_run, first_failure, second_failure};
  j.created_at = at("2026-11-23T14:00:00.000Z");
  j.updated_at = at("2026-11-23T14:05:09.123Z");
  j.started_at = at("2026-11-23T14:00:00.010Z");
  j.next_attempt_at = at("2026-11-23T14:06:00.000Z");
  j.result_file = result_blob{"0b7c.bin", 1234,
                              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                              "application/gzip"};
  j.finished_at = at("2026-11-23T14:05:09.120Z");
  j.canceled_at = at("2026-11-23T14:05:09.121Z");
  j.cancel_reason = "operator asked";
  j.canceled_by = "ops@acme";
  return j;
}

// A job with every optional field absent.
inline job minimal_job() {
  job j;
  j.id = id_from(4);
  j.type = "noop";
  j.payload = nullptr;
  j.status = job_status::pending;
  j.tenant = "t";
  j.created_at = at("2026-01-01T00:00:00.000Z");
  j.updated_at = at("2026-01-01T00:00:00.000Z");
  return j;
}

inline void check_same(const job_error& a, const job_error& b) {
  CHECK(a.code == b.code);
  CHECK(a.message == b.message);
  CHECK(a.kind == b.kind);
  CHECK(a.retry_after_ms == b.retry_after_ms);
}

inline void check_same(const history_entry& a, const history_entry& b) {
  CHECK(a.at == b.at);
  CHECK(a.from == b.from);
  CHECK(a.to == b.to);
  CHECK(a.attempt == b.attempt);
  REQUIRE(a.error.has_value() == b.error.has_value());
  if (a.error) check_same(*a.error, *b.error);
  CHECK(a.node == b.node);
  CHECK(a.reason == b.reason);
}

inline void check_same(const job_progress& a, const job_progress& b) {
  CHECK(a.percent == b.percent);
  CHECK(a.stage == b.stage);
  CHECK(a.message == b.message);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.eta_ms == b.eta_ms);
}

inline void check_same(const retry_settings& a, const retry_settings& b) {
  CHECK(a.initial_backoff_ms == b.initial_backoff_ms);
  CHECK(a.max_backoff_ms == b.max_backoff_ms);
  CHECK(a.multiplier == b.multiplier);
  CHECK(a.jitter == b.jitter);
  CHECK(a.retry_on == b.retry_on);
}

inline void check_same(const dependency_spec& a, const dependency_spec& b) {
  CHECK(a.depends_on == b.depends_on);
  CHECK(a.mode == b.mode);
  CHECK(a.on_failure == b.on_failure);
  CHECK(a.timeout_ms == b.timeout_ms);
}

inline void check_same(const job& a, const job& b) {
  CHECK(a.id == b.id);
  CHECK(a.type == b.type);
  CHECK(a.payload == b.payload);
  CHECK(a.status == b.status);
  CHECK(a.priority == b.priority);
  CHECK(a.inherited_priority == b.inherited_priority);
  CHECK(a.attempts == b.attempts);
  CHECK(a.max_attempts == b.max_attempts);
  CHECK(a.max_retry_ms == b.max_retry_ms);
  check_same(a.retry, b.retry);
  CHECK(a.timeout_ms == b.timeout_ms);
  CHECK(a.run_at == b.run_at);
  check_same(a.dependencies, b.dependencies);
  CHECK(a.unique_key == b.unique_key);
  CHECK(a.unique_for_ms == b.unique_for_ms);
  CHECK(a.tenant == b.tenant);
  CHECK(a.tags == b.tags);
  CHECK(a.webhook_url == b.webhook_url);
  CHECK(a.webhook_events == b.webhook_events);
  REQUIRE(a.progress.has_value() == b.progress.has_value());
  if (a.progress) check_same(*a.progress, *b.progress);
  CHECK(a.result == b.result);
  REQUIRE(a.last_error.has_value() == b.last_error.has_value());
  if (a.last_error) check_same(*a.last_error, *b.last_error);
  CHECK(a.checkpoint == b.checkpoint);
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    INFO("history[" << i << "]");
    check_same(a.history[i], b.history[i]);
  }
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.started_at == b.started_at);
  CHECK(a.next_attempt_at == b.next_attempt_at);
  CHECK(a.result_file == b.result_file);
  CHECK(a.finished_at == b.finished_at);
  CHECK(a.canceled_at == b.canceled_at);
  CHECK(a.cancel_reason == b.cancel_reason);
  CHECK(a.canceled_by == b.canceled_by);
}

inline void check_same(const job_request& a, const job_request& b) {
  CHECK(a.type == b.type);
  CHECK(a.payload == b.payload);
  CHECK(a.priority == b.priority);
  CHECK(a.max_attempts == b.max_attempts);
  CHECK(a.max_retry_ms == b.max_retry_ms);
  CHECK(a.retry.initial_backoff_ms == b.retry.initial_backoff_ms);
  CHECK(a.retry.max_backoff_ms == b.retry.max_backoff_ms);
  CHECK(a.retry.multiplier == b.retry.multiplier);
  CHECK(a.retry.jitter == b.retry.jitter);
  CHECK(a.retry.retry_on == b.retry.retry_on);
  CHECK(a.timeout_ms == b.timeout_ms);
  CHECK(a.run_at == b.run_at);
  CHECK(a.run_in_ms == b.run_in_ms);
  check_same(a.dependencies, b.dependencies);
  CHECK(a.unique_key == b.unique_key);
  CHECK(a.unique_for_ms == b.unique_for_ms);
  CHECK(a.tenant == b.tenant);
  CHECK(a.tags == b.tags);
  CHECK(a.webhook_url == b.webhook_url);
  CHECK(a.webhook_events == b.webhook_events);
}

// The decode failed with invalid_argument naming `path` in message and details.
template <class T>
void check_invalid_at(const expected<T>& r, const std::string& path,
                      const std::string& message_part = "") {
  INFO("expected a failure at " << path);
  REQUIRE_FALSE(r.has_value());
  const error& e = r.error_value();
  INFO(to_string(e));
  CHECK(e.code == error_code::invalid_argument);
  CHECK(contains(e.message, path));
  REQUIRE(e.details.is_object());
  REQUIRE(e.details.as_object().contains("path"));
  CHECK(e.details.at("path") == json::value(path));
  if (!message_part.empty()) CHECK(contains(e.message, message_part));
}

// The JSON value at a "$.a.b[2].c"-style path; only what the tests below use.
inline json::value& at_path(json::value& root, const std::string& path) {
  json::value* node = &root;
  std::size_t i = 1;  // skip '$'
  while (i < path.size()) {
    if (path[i] == '.') {
      const std::size_t end = path.find_first_of(".[", i + 1);
      const std::string key = path.substr(i + 1, end == std::string::npos ? end : end - i - 1);
      node = &node->as_object()[key];
      i = end == std::string::npos ? path.size() : end;
    } else {
      REQUIRE(path[i] == '[');
      const std::size_t end = path.find(']', i);
      node = &node->as_array().at(std::stoul(path.substr(i + 1, end - i - 1)));
      i = end + 1;
    }
  }
  return *node;
}

inline bool is_lowercase_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

inline bool is_rfc3339_millis_utc(const json::value& v) {
  if (!v.is_string()) return false;
  const std::string s(v.as_string());
  if (s.size() != 24 || s[10] != 'T' || s[19] != '.' || s.back() != 'Z') return false;
  auto t = parse_rfc3339(s);
  return t && format_rfc3339(*t) == s;
}

}  // namespace jobforge::codec_test

#include "model/job_codec.hpp"
#include "model/json_text.hpp"
#include "model/random_source.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cctype>
#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace jobforge;
namespace json = boost::json;

namespace {

timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

job_id id_from(std::uint64_t seed) {
  auto rng = make_seeded_random(seed);
  return job_id::generate(*rng);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// to_json -> text -> parse_json: the value as another process would see it.
json::value through_text(const json::value& v) {
  const std::string text = json::serialize(v);
  auto parsed = parse_json(text, 1 << 20);
  REQUIRE(parsed);
  return *parsed;
}

// A job with every field set, including everything optional.
job full_job() {
  job j;
  j.id = id_from(1);
  j.type = "email.send";
  j.payload = json::parse(
      R"({"to":"ada@example.com","vars":{"name":"Ada","n":[1,2.5,null,true,"x"]},"big":-9007199254740993})");
  j.status = job_status::retrying;
  j.priority = priority::high;
  j.attempts = 2;
  j.max_attempts = 7;
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
  j.unique_key = "welcome-mail:42";
  j.unique_for_ms = 3'600'000;
  j.tenant = "acme";
  j.tags = {"onboarding", "mail", "ünïcode"};
  j.progress =
      job_progress{42.5, "render", "rendering the template", at("2026-11-23T14:05:08.999Z"), 1'500};
  j.result = json::parse(R"({"delivery":"deferred","queue_id":"7F3A"})");
  j.last_error = job_error{"smtp_421", "service not available, try later", error_kind::transient};
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
  j.finished_at = at("2026-11-23T14:05:09.120Z");
  j.canceled_at = at("2026-11-23T14:05:09.121Z");
  j.cancel_reason = "operator asked";
  j.canceled_by = "ops@acme";
  return j;
}

// A job with every optional field absent.
job minimal_job() {
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

void check_same(const job_error& a, const job_error& b) {
  CHECK(a.code == b.code);
  CHECK(a.message == b.message);
  CHECK(a.kind == b.kind);
}

void check_same(const history_entry& a, const history_entry& b) {
  CHECK(a.at == b.at);
  CHECK(a.from == b.from);
  CHECK(a.to == b.to);
  CHECK(a.attempt == b.attempt);
  REQUIRE(a.error.has_value() == b.error.has_value());
  if (a.error) check_same(*a.error, *b.error);
  CHECK(a.node == b.node);
  CHECK(a.reason == b.reason);
}

void check_same(const job_progress& a, const job_progress& b) {
  CHECK(a.percent == b.percent);
  CHECK(a.stage == b.stage);
  CHECK(a.message == b.message);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.eta_ms == b.eta_ms);
}

void check_same(const retry_settings& a, const retry_settings& b) {
  CHECK(a.initial_backoff_ms == b.initial_backoff_ms);
  CHECK(a.max_backoff_ms == b.max_backoff_ms);
  CHECK(a.multiplier == b.multiplier);
  CHECK(a.jitter == b.jitter);
  CHECK(a.retry_on == b.retry_on);
}

void check_same(const dependency_spec& a, const dependency_spec& b) {
  CHECK(a.depends_on == b.depends_on);
  CHECK(a.mode == b.mode);
  CHECK(a.on_failure == b.on_failure);
}

void check_same(const job& a, const job& b) {
  CHECK(a.id == b.id);
  CHECK(a.type == b.type);
  CHECK(a.payload == b.payload);
  CHECK(a.status == b.status);
  CHECK(a.priority == b.priority);
  CHECK(a.attempts == b.attempts);
  CHECK(a.max_attempts == b.max_attempts);
  check_same(a.retry, b.retry);
  CHECK(a.timeout_ms == b.timeout_ms);
  CHECK(a.run_at == b.run_at);
  check_same(a.dependencies, b.dependencies);
  CHECK(a.unique_key == b.unique_key);
  CHECK(a.unique_for_ms == b.unique_for_ms);
  CHECK(a.tenant == b.tenant);
  CHECK(a.tags == b.tags);
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
  CHECK(a.finished_at == b.finished_at);
  CHECK(a.canceled_at == b.canceled_at);
  CHECK(a.cancel_reason == b.cancel_reason);
  CHECK(a.canceled_by == b.canceled_by);
}

void check_same(const job_request& a, const job_request& b) {
  CHECK(a.type == b.type);
  CHECK(a.payload == b.payload);
  CHECK(a.priority == b.priority);
  CHECK(a.max_attempts == b.max_attempts);
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
json::value& at_path(json::value& root, const std::string& path) {
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

bool is_lowercase_uuid(const std::string& s) {
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

bool is_rfc3339_millis_utc(const json::value& v) {
  if (!v.is_string()) return false;
  const std::string s(v.as_string());
  if (s.size() != 24 || s[10] != 'T' || s[19] != '.' || s.back() != 'Z') return false;
  auto t = parse_rfc3339(s);
  return t && format_rfc3339(*t) == s;
}

}  // namespace

// ---------------------------------------------------------------------------
// Round trips

TEST_CASE("a job with every field set round-trips through JSON text", "[codec]") {
  const job original = full_job();
  const json::value encoded = to_json(original);
  auto decoded = job_from_json(through_text(encoded));
  REQUIRE(decoded);
  check_same(original, *decoded);
  // Encoding is deterministic: the decoded job encodes to the same JSON.
  CHECK(to_json(*decoded) == encoded);
  CHECK(json::serialize(to_json(*decoded)) == json::serialize(encoded));
}

TEST_CASE("a job without any optional field round-trips with them absent", "[codec]") {
  const job original = minimal_job();
  const json::value encoded = to_json(original);
  const auto& o = encoded.as_object();
  for (const char* field :
       {"run_at", "unique_key", "progress", "last_error", "started_at", "finished_at",
        "canceled_at", "cancel_reason", "canceled_by", "payload", "result", "checkpoint"}) {
    INFO(field);
    REQUIRE(o.contains(field));
    CHECK(o.at(field).is_null());
  }
  CHECK(o.at("depends_on") == json::value(json::array{}));
  CHECK(o.at("tags") == json::value(json::array{}));
  CHECK(o.at("history") == json::value(json::array{}));
  auto decoded = job_from_json(through_text(encoded));
  REQUIRE(decoded);
  check_same(original, *decoded);
  CHECK_FALSE(decoded->run_at);
  CHECK_FALSE(decoded->progress);
  CHECK_FALSE(decoded->started_at);
  CHECK_FALSE(decoded->canceled_at);
}

TEST_CASE("every status, priority, mode and error kind round-trips by name", "[codec]") {
  for (auto s : all_job_statuses) {
    for (auto p : {priority::low, priority::normal, priority::high, priority::critical}) {
      job j = minimal_job();
      j.status = s;
      j.priority = p;
      auto encoded = to_json(j);
      CHECK(encoded.at("status") == json::value(to_string(s)));
      CHECK(encoded.at("priority") == json::value(to_string(p)));
      auto decoded = job_from_json(through_text(encoded));
      REQUIRE(decoded);
      CHECK(decoded->status == s);
      CHECK(decoded->priority == p);
    }
  }
  for (auto k :
       {error_kind::transient, error_kind::permanent, error_kind::timeout, error_kind::crash}) {
    const job_error e{"code_" + std::string(to_string(k)), "message", k};
    auto decoded = job_error_from_json(through_text(to_json(e)));
    REQUIRE(decoded);
    CHECK(*decoded == e);
  }
  for (auto m : {dependency_mode::all, dependency_mode::any}) {
    for (auto f : {dependency_failure_policy::cancel, dependency_failure_policy::run}) {
      job j = minimal_job();
      j.dependencies = {{id_from(9)}, m, f};
      auto decoded = job_from_json(through_text(to_json(j)));
      REQUIRE(decoded);
      check_same(j.dependencies, decoded->dependencies);
    }
  }
}

TEST_CASE("history entries round-trip with and without error and origin", "[codec]") {
  const job j = full_job();
  for (const auto& h : j.history) {
    const json::value encoded = to_json(h);
    INFO(json::serialize(encoded));
    auto decoded = history_entry_from_json(through_text(encoded));
    REQUIRE(decoded);
    check_same(h, *decoded);
    CHECK(encoded.at("from").is_null() == !h.from);
    CHECK(encoded.at("error").is_null() == !h.error);
    CHECK(is_rfc3339_millis_utc(encoded.at("at")));
  }
  // Only `at` and `to` are required; the rest defaults.
  auto sparse =
      history_entry_from_json(json::parse(R"({"at":"2026-11-23T14:05:09Z","to":"pending"})"));
  REQUIRE(sparse);
  CHECK(sparse->at == at("2026-11-23T14:05:09.000Z"));
  CHECK_FALSE(sparse->from);
  CHECK(sparse->to == job_status::pending);
  CHECK(sparse->attempt == 0);
  CHECK_FALSE(sparse->error);
  CHECK(sparse->node.empty());
  CHECK(sparse->reason.empty());
  check_invalid_at(history_entry_from_json(json::parse(R"({"at":"2026-11-23T14:05:09Z"})")), "$.to",
                   "required");
  check_invalid_at(history_entry_from_json(json::parse(R"({"to":"pending"})")), "$.at", "required");
}

TEST_CASE("progress round-trips with and without an ETA", "[codec]") {
  job_progress with_eta{99.75, "upload", "chunk 7 of 8", at("2026-11-23T14:05:09.123Z"), 12'345};
  auto encoded = to_json(with_eta);
  CHECK(encoded.at("eta_ms") == json::value(12'345));
  CHECK(encoded.at("updated_at") == json::value("2026-11-23T14:05:09.123Z"));
  auto decoded = job_progress_from_json(through_text(encoded));
  REQUIRE(decoded);
  check_same(with_eta, *decoded);

  job_progress without_eta{0, "", "", at("1999-12-31T23:59:59.999Z"), std::nullopt};
  encoded = to_json(without_eta);
  CHECK(encoded.at("eta_ms").is_null());
  decoded = job_progress_from_json(through_text(encoded));
  REQUIRE(decoded);
  check_same(without_eta, *decoded);
  CHECK_FALSE(decoded->eta_ms);

  job_progress done{100, "done", "", at("2026-11-23T14:05:09.123Z"), 0};
  decoded = job_progress_from_json(through_text(to_json(done)));
  REQUIRE(decoded);
  check_same(done, *decoded);

  check_invalid_at(job_progress_from_json(
                       json::parse(R"({"percent":100.5,"updated_at":"2026-11-23T14:05:09.123Z"})")),
                   "$.percent");
  check_invalid_at(job_progress_from_json(
                       json::parse(R"({"percent":-1,"updated_at":"2026-11-23T14:05:09.123Z"})")),
                   "$.percent");
  check_invalid_at(job_progress_from_json(json::parse(
                       R"({"percent":5,"updated_at":"2026-11-23T14:05:09.123Z","eta_ms":-1})")),
                   "$.eta_ms");
}

TEST_CASE("job errors and retry settings round-trip", "[codec]") {
  const job_error e{"smtp_550", "mailbox unavailable: \"ada\"\n", error_kind::permanent};
  auto encoded_error = to_json(e);
  CHECK(
      encoded_error ==
      json::parse(
          R"({"code":"smtp_550","message":"mailbox unavailable: \"ada\"\n","kind":"permanent"})"));
  auto decoded_error = job_error_from_json(through_text(encoded_error));
  REQUIRE(decoded_error);
  CHECK(*decoded_error == e);
  check_invalid_at(job_error_from_json(json::parse(R"({"code":"x","kind":"fatal"})")), "$.kind",
                   "fatal");
  check_invalid_at(job_error_from_json(json::parse(R"({"code":"x"})")), "$.kind", "required");
  check_invalid_at(job_error_from_json(json::parse(R"({"kind":"crash"})")), "$.code", "required");

  retry_settings with_list;
  with_list.initial_backoff_ms = 10;
  with_list.max_backoff_ms = 3'600'000;
  with_list.multiplier = 1.0;
  with_list.jitter = 1.0;
  with_list.retry_on = {"a", "b", "c"};
  retry_settings without_list;
  without_list.jitter = 0;
  for (const auto& s : {with_list, without_list, retry_settings{}}) {
    const auto encoded = to_json(s);
    CHECK(encoded.at("initial_backoff_ms").is_int64());
    CHECK(encoded.at("retry_on").is_array());
    auto decoded = retry_settings_from_json(through_text(encoded));
    REQUIRE(decoded);
    CHECK(*decoded == s);
  }
  // retry_on may be left out and then means "every retryable kind".
  auto sparse = retry_settings_from_json(
      json::parse(R"({"initial_backoff_ms":1,"max_backoff_ms":2,"multiplier":2,"jitter":0})"));
  REQUIRE(sparse);
  CHECK(sparse->retry_on.empty());
  CHECK(sparse->multiplier == 2.0);
  check_invalid_at(
      retry_settings_from_json(json::parse(
          R"({"initial_backoff_ms":1,"max_backoff_ms":2,"multiplier":0.5,"jitter":0})")),
      "$.multiplier");
  check_invalid_at(
      retry_settings_from_json(json::parse(
          R"({"initial_backoff_ms":1,"max_backoff_ms":2,"multiplier":2,"jitter":1.01})")),
      "$.jitter");
  check_invalid_at(
      retry_settings_from_json(json::parse(
          R"({"initial_backoff_ms":1,"max_backoff_ms":2,"multiplier":2,"jitter":0,"retry_on":["a",7]})")),
      "$.retry_on[1]");
  check_invalid_at(
      retry_settings_from_json(json::parse(
          R"({"initial_backoff_ms":1,"max_backoff_ms":2,"multiplier":2,"jitter":0,"bogus":1})")),
      "$.bogus", "not a known field");
}

// ---------------------------------------------------------------------------
// JSON shape conventions (SPEC §8)

TEST_CASE("a job renders with the field names of SPEC 3 and the conventions of SPEC 8", "[codec]") {
  const job j = full_job();
  const json::value encoded = to_json(j);
  REQUIRE(encoded.is_object());
  const auto& o = encoded.as_object();
  const std::set<std::string> expected_fields = {"id",
                                                 "type",
                                                 "payload",
                                                 "status",
                                                 "priority",
                                                 "attempts",
                                                 "max_attempts",
                                                 "retry",
                                                 "timeout_ms",
                                                 "run_at",
                                                 "depends_on",
                                                 "dependency_mode",
                                                 "on_dependency_failure",
                                                 "unique_key",
                                                 "unique_for_ms",
                                                 "tenant",
                                                 "tags",
                                                 "progress",
                                                 "result",
                                                 "last_error",
                                                 "checkpoint",
                                                 "history",
                                                 "created_at",
                                                 "updated_at",
                                                 "started_at",
                                                 "finished_at",
                                                 "canceled_at",
                                                 "cancel_reason",
                                                 "canceled_by"};
  std::set<std::string> fields;
  for (const auto& kv : o)
    fields.insert(std::string(kv.key()));
  CHECK(fields == expected_fields);

  // Timestamps: RFC 3339 UTC with milliseconds.
  CHECK(o.at("updated_at") == json::value("2026-11-23T14:05:09.123Z"));
  CHECK(o.at("created_at") == json::value("2026-11-23T14:00:00.000Z"));
  CHECK(o.at("run_at") == json::value("2026-11-23T14:00:00.001Z"));
  for (const char* field :
       {"run_at", "created_at", "updated_at", "started_at", "finished_at", "canceled_at"}) {
    INFO(field);
    CHECK(is_rfc3339_millis_utc(o.at(field)));
  }
  CHECK(is_rfc3339_millis_utc(o.at("progress").at("updated_at")));
  for (const auto& h : o.at("history").as_array())
    CHECK(is_rfc3339_millis_utc(h.at("at")));

  // Ids: lowercase UUID strings.
  REQUIRE(o.at("id").is_string());
  CHECK(is_lowercase_uuid(std::string(o.at("id").as_string())));
  CHECK(o.at("id") == json::value(to_string(j.id)));
  REQUIRE(o.at("depends_on").as_array().size() == 2);
  for (const auto& id : o.at("depends_on").as_array()) {
    REQUIRE(id.is_string());
    CHECK(is_lowercase_uuid(std::string(id.as_string())));
  }

  // Durations: integers of milliseconds.
  CHECK(o.at("timeout_ms") == json::value(45'000));
  CHECK(o.at("unique_for_ms") == json::value(3'600'000));
  CHECK(o.at("retry").at("initial_backoff_ms") == json::value(250));
  CHECK(o.at("retry").at("max_backoff_ms") == json::value(60'000));
  CHECK(o.at("progress").at("eta_ms") == json::value(1'500));
  for (const json::value* v : {&o.at("timeout_ms"), &o.at("unique_for_ms"),
                               &o.at("progress").at("eta_ms"), &o.at("attempts")})
    CHECK(v->is_int64());

  // Nested parts have their own names.
  CHECK(o.at("retry").at("retry_on") == json::parse(R"(["smtp_4xx","connection_refused"])"));
  CHECK(
      o.at("last_error") ==
      json::parse(
          R"({"code":"smtp_421","message":"service not available, try later","kind":"transient"})"));
  CHECK(o.at("progress").at("stage") == json::value("render"));
  CHECK(o.at("dependency_mode") == json::value("any"));
  CHECK(o.at("on_dependency_failure") == json::value("run"));
  const auto& failure = o.at("history").as_array().at(3);
  CHECK(failure.at("from") == json::value("running"));
  CHECK(failure.at("to") == json::value("retrying"));
  CHECK(failure.at("attempt") == json::value(1));
  CHECK(failure.at("error").at("kind") == json::value("timeout"));
  CHECK(failure.at("node") == json::value("node-a"));
  CHECK(o.at("history").as_array().at(0).at("from").is_null());
}

TEST_CASE("decoding normalises ids to lowercase and times to UTC milliseconds", "[codec]") {
  json::value v = to_json(full_job());
  std::string upper_id(v.at("id").as_string());
  for (auto& c : upper_id)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string upper_parent(v.at("depends_on").as_array().at(0).as_string());
  for (auto& c : upper_parent)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v.as_object()["id"] = upper_id;
  v.as_object()["depends_on"].as_array().at(0) = upper_parent;
  v.as_object()["created_at"] = "2026-11-23T16:00:00.000123+02:00";
  v.as_object()["run_at"] = "2026-11-23T09:30:00.5-04:30";
  auto decoded = job_from_json(v);
  REQUIRE(decoded);
  CHECK(decoded->id == full_job().id);
  auto reencoded = to_json(*decoded);
  CHECK(reencoded.at("id") == json::value(to_string(full_job().id)));
  CHECK(is_lowercase_uuid(std::string(reencoded.at("id").as_string())));
  CHECK(is_lowercase_uuid(std::string(reencoded.at("depends_on").as_array().at(0).as_string())));
  CHECK(reencoded.at("created_at") == json::value("2026-11-23T14:00:00.000Z"));
  CHECK(reencoded.at("run_at") == json::value("2026-11-23T14:00:00.500Z"));
}

// ---------------------------------------------------------------------------
// Decoding errors name the JSON path

TEST_CASE("unknown fields are refused with their path, at any depth", "[codec]") {
  struct added {
    const char* parent;  // path of the object that gets the extra field
    const char* key;
    const char* path;  // the path the error must name
  };
  const added cases[] = {
      {"$", "bogus", "$.bogus"},
      {"$", "name", "$.name"},
      {"$", "Status", "$.Status"},
      {"$", "with space", "$[\"with space\"]"},
      {"$.retry", "bogus", "$.retry.bogus"},
      {"$.progress", "bogus", "$.progress.bogus"},
      {"$.last_error", "bogus", "$.last_error.bogus"},
      {"$.history[2]", "bogus", "$.history[2].bogus"},
      {"$.history[4].error", "bogus", "$.history[4].error.bogus"},
  };
  for (const auto& c : cases) {
    json::value v = to_json(full_job());
    at_path(v, c.parent).as_object()[c.key] = 1;
    check_invalid_at(job_from_json(v), c.path, "not a known field");
  }
  // Unknown fields inside payload, result and checkpoint are the handler's business.
  json::value v = to_json(full_job());
  v.as_object()["payload"].as_object()["anything"] = 1;
  v.as_object()["result"].as_object()["anything"] = 1;
  v.as_object()["checkpoint"].as_object()["anything"] = 1;
  CHECK(job_from_json(v));
}

TEST_CASE("wrong types and bad values are refused with their path", "[codec]") {
  struct replaced {
    const char* path;
    const char* value;  // JSON text
    const char* message_part;
  };
  const replaced cases[] = {
      {"$.max_attempts", R"("3")", "integer"},
      {"$.max_attempts", "0", "1.."},
      {"$.max_attempts", "2.5", "integer"},
      {"$.attempts", "-1", "0.."},
      {"$.attempts", "true", "integer"},
      {"$.attempts", "4294967296", "2147483647"},
      {"$.timeout_ms", "0", ""},
      {"$.timeout_ms", "18446744073709551615", "range"},
      {"$.unique_for_ms", "-5", ""},
      {"$.id", R"("not-a-uuid")", "UUID"},
      {"$.id", "42", "string"},
      {"$.type", "[]", "string"},
      {"$.tenant", "{}", "string"},
      {"$.depends_on", R"("0f8fad5b-d9cb-469f-a165-70867728950e")", "array"},
      {"$.depends_on[1]", R"("0f8fad5b-d9cb-469f-a165-70867728950")", "UUID"},
      {"$.depends_on[1]", R"("0f8fad5b-d9cb-469f-a165-70867728950g")", "UUID"},
      {"$.depends_on[1]", "7", "string"},
      {"$.dependency_mode", R"("some")", "all, any"},
      {"$.on_dependency_failure", R"("ignore")", "cancel, run"},
      {"$.status", R"("done")", "done"},
      {"$.status", "1", "string"},
      {"$.priority", R"("urgent")", "urgent"},
      {"$.priority", R"("HIGH")", "HIGH"},
      {"$.created_at", R"("2026-13-01T00:00:00Z")", "RFC 3339"},
      {"$.updated_at", R"("2023-02-29T00:00:00.000Z")", "RFC 3339"},
      {"$.run_at", R"("2026-11-23 14:05:09")", "RFC 3339"},
      {"$.started_at", R"("2026-11-23T14:05:09.123")", "RFC 3339"},
      {"$.finished_at", "1795442709123", "string"},
      {"$.canceled_at", R"("yesterday")", "RFC 3339"},
      {"$.cancel_reason", "false", "string"},
      {"$.canceled_by", "[]", "string"},
      {"$.unique_key", "12", "string"},
      {"$.tags", R"("a,b")", "array"},
      {"$.tags[2]", "null", "string"},
      {"$.retry", "[]", "object"},
      {"$.retry.multiplier", R"("2")", "number"},
      {"$.retry.jitter", "-0.1", "0..1"},
      {"$.retry.initial_backoff_ms", "-1", ""},
      {"$.retry.retry_on", "{}", "array"},
      {"$.retry.retry_on[0]", "1", "string"},
      {"$.progress", "50", "object"},
      {"$.progress.percent", R"("50%")", "number"},
      {"$.progress.updated_at", R"("2026-11-23T25:00:00Z")", "RFC 3339"},
      {"$.progress.eta_ms", "1.5", "integer"},
      {"$.last_error", R"("boom")", "object"},
      {"$.last_error.kind", R"("fatal")", "fatal"},
      {"$.last_error.code", "500", "string"},
      {"$.history", "{}", "array"},
      {"$.history[0]", "[]", "object"},
      {"$.history[1].to", R"("finished")", "finished"},
      {"$.history[1].from", R"("nowhere")", "nowhere"},
      {"$.history[2].attempt", R"("1")", "integer"},
      {"$.history[3].at", R"("2026-02-30T00:00:00Z")", "RFC 3339"},
      {"$.history[3].node", "1", "string"},
      {"$.history[4].error", "true", "object"},
      {"$.history[4].error.kind", R"("Transient")", "Transient"},
  };
  for (const auto& c : cases) {
    json::value v = to_json(full_job());
    at_path(v, c.path) = json::parse(c.value);
    INFO(c.path << " = " << c.value);
    check_invalid_at(job_from_json(v), c.path, c.message_part);
  }
}

TEST_CASE("missing required job fields and non-objects are refused with their path", "[codec]") {
  for (const char* field : {"id", "type", "status", "attempts", "max_attempts", "retry",
                            "timeout_ms", "tenant", "created_at", "updated_at"}) {
    json::value v = to_json(full_job());
    v.as_object().erase(field);
    check_invalid_at(job_from_json(v), std::string("$.") + field, "required");
    // null counts as missing
    v.as_object()[field] = nullptr;
    check_invalid_at(job_from_json(v), std::string("$.") + field, "required");
  }
  for (const char* text : {"null", "[]", "\"job\"", "1", "true"}) {
    INFO(text);
    check_invalid_at(job_from_json(json::parse(text)), "$", "object");
    check_invalid_at(job_request_from_json(json::parse(text)), "$", "object");
    check_invalid_at(history_entry_from_json(json::parse(text)), "$", "object");
    check_invalid_at(job_progress_from_json(json::parse(text)), "$", "object");
    check_invalid_at(job_error_from_json(json::parse(text)), "$", "object");
    check_invalid_at(retry_settings_from_json(json::parse(text)), "$", "object");
    check_invalid_at(error_from_envelope(json::parse(text)), "$", "object");
  }
}

// ---------------------------------------------------------------------------
// Submissions

TEST_CASE("a submission with every field round-trips", "[codec]") {
  job_request q;
  q.type = "email.send";
  q.payload = json::parse(R"({"to":"ada@example.com","subject":"hi"})");
  q.priority = priority::critical;
  q.max_attempts = 5;
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
  q.unique_key = "k";
  q.unique_for_ms = 60'000;
  q.tenant = "acme";
  q.tags = {"a", "b"};
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
      {R"({"type":"echo","priority":"urgent"})", "$.priority", "urgent"},
      {R"({"type":"echo","depends_on":["0f8fad5b-d9cb-469f-a165-70867728950e","nope"]})",
       "$.depends_on[1]", "UUID"},
      {R"({"type":"echo","depends_on":"0f8fad5b-d9cb-469f-a165-70867728950e"})", "$.depends_on",
       "array"},
      {R"({"type":"echo","dependency_mode":"most"})", "$.dependency_mode", "most"},
      {R"({"type":"echo","on_dependency_failure":"retry"})", "$.on_dependency_failure", "retry"},
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

TEST_CASE("the error envelope has the shape of SPEC 8 and round-trips for every code", "[codec]") {
  const error e{error_code::schema_violation, "payload does not match the schema",
                json::parse(R"({"violations":[{"path":"$.to","message":"required"}]})")};
  const json::value envelope = error_envelope(e);
  CHECK(envelope == json::parse(R"({"error":{"code":"schema_violation",
      "message":"payload does not match the schema",
      "details":{"violations":[{"path":"$.to","message":"required"}]}}})"));

  // `internal` is the last code; every code has its own wire name.
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i) {
    const auto code = static_cast<error_code>(i);
    INFO(to_string(code));
    CHECK(parse_error_code(to_string(code)) == code);
    for (const json::value& details :
         {json::value(nullptr), json::parse(R"({"path":"$.x","n":[1,2]})"), json::parse("[1]")}) {
      const error original{code, "message for " + std::string(to_string(code)), details};
      auto decoded = error_from_envelope(through_text(error_envelope(original)));
      REQUIRE(decoded);
      CHECK(decoded->cause.code == code);
      CHECK(decoded->cause.message == original.message);
      CHECK(decoded->cause.details == details);
    }
    CHECK(names.insert(std::string(to_string(code))).second);
  }
  for (const char* name : {"invalid_argument", "invalid_json", "schema_violation", "not_found",
                           "conflict", "timeout", "internal"})
    CHECK(names.count(name) == 1);

  // details may be left out
  auto sparse =
      error_from_envelope(json::parse(R"({"error":{"code":"not_found","message":"no"}})"));
  REQUIRE(sparse);
  CHECK(sparse->cause.code == error_code::not_found);
  CHECK(sparse->cause.details.is_null());
}

TEST_CASE("malformed error envelopes and unknown codes are refused", "[codec]") {
  CHECK_FALSE(parse_error_code("teapot"));
  CHECK_FALSE(parse_error_code(""));
  CHECK_FALSE(parse_error_code("NOT_FOUND"));
  struct bad {
    const char* text;
    const char* path;
    const char* message_part;
  };
  const bad cases[] = {
      {R"({"error":{"code":"teapot","message":"short and stout"}})", "$.error.code", "teapot"},
      {R"({"error":{"code":"Not_Found","message":"x"}})", "$.error.code", "Not_Found"},
      {R"({"error":{"code":404,"message":"x"}})", "$.error.code", "string"},
      {R"({"error":{"message":"x"}})", "$.error.code", "required"},
      {R"({"error":{"code":"internal"}})", "$.error.message", "required"},
      {R"({"error":{"code":"internal","message":7}})", "$.error.message", "string"},
      {R"({"error":{"code":"internal","message":"x","bogus":1}})", "$.error.bogus",
       "not a known field"},
      {R"({"error":{"code":"internal","message":"x"},"extra":1})", "$.extra", "not a known field"},
      {R"({"error":"internal"})", "$.error", "object"},
      {R"({"error":null})", "$.error", "required"},
      {R"({})", "$.error", "required"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    check_invalid_at(error_from_envelope(json::parse(c.text)), c.path, c.message_part);
  }
}

TEST_CASE("a job that decodes also decodes from its own encoding, at any accepted time",
          "[codec]") {
  // Offsets can move an accepted time just outside the years 0000..9999.
  for (const char* time :
       {"2026-11-23T14:05:09.123+02:00", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
        "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"}) {
    INFO(time);
    json::value v = to_json(minimal_job());
    v.as_object()["created_at"] = time;
    auto decoded = job_from_json(v);
    if (!decoded) {  // refusing such a time is fine, but then with a proper error
      check_invalid_at(decoded, "$.created_at", "RFC 3339");
      continue;
    }
    const json::value encoded = to_json(*decoded);
    INFO("encoded as " << encoded.at("created_at"));
    CHECK(is_rfc3339_millis_utc(encoded.at("created_at")));
    auto again = job_from_json(through_text(encoded));
    CHECK(again);
    if (again) CHECK(again->created_at == decoded->created_at);
  }
}

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
  for (const char* field : {"run_at", "unique_key", "progress", "last_error", "next_attempt_at",
                            "started_at", "finished_at", "canceled_at", "cancel_reason",
                            "canceled_by", "payload", "result", "result_file", "checkpoint"}) {
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
                                                 "effective_priority",
                                                 "attempts",
                                                 "max_attempts",
                                                 "max_retry_ms",
                                                 "retry",
                                                 "timeout_ms",
                                                 "run_at",
                                                 "depends_on",
                                                 "dependency_mode",
                                                 "on_dependency_failure",
                                                 "dependency_timeout_ms",
                                                 "unique_key",
                                                 "unique_for_ms",
                                                 "tenant",
                                                 "tags",
                                                 "webhook_url",
                                                 "webhook_events",
                                                 "progress",
                                                 "result",
                                                 "result_file",
                                                 "last_error",
                                                 "checkpoint",
                                                 "history",
                                                 "created_at",
                                                 "updated_at",
                                                 "next_attempt_at",
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
  for (const char* field : {"run_at", "created_at", "updated_at", "next_attempt_at", "started_at",
                            "finished_at", "canceled_at"}) {
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
          R"({"code":"smtp_421","message":"service not available, try later","kind":"transient","retry_after_ms":30000})"));
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
      {"$.result_file", "[]", "object"},
      {"$.result_file.file", R"("../etc/passwd")", "plain file name"},
      {"$.result_file.size", "-1", ""},
      {"$.result_file.sha256", "1", "string"},
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

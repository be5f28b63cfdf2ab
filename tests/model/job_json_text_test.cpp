// job_json_text writes a job's document without building the JSON tree; it
// must parse to exactly the value to_json builds, for every shape of job.
// job_document_text (the stored form) leaves out fields at their default and
// must decode to the very same job.

#include "model/job_json_text.hpp"
#include "codec_test_support.hpp"

#include <cmath>
#include <limits>

namespace jobforge::codec_test {
namespace {

std::string written(expected<std::string> text) {
  INFO((text ? std::string() : text.error_value().message));
  REQUIRE(text);
  return std::move(text).value();
}

// Parsed back as another process would read it, then compared value by
// value (kinds included: a double must stay a double).
void check_same_document(const job& j) {
  const std::string text = written(job_json_text(j));
  auto parsed = parse_json(text, 1 << 20);
  REQUIRE(parsed);
  const json::value expected = to_json(j);
  INFO(text);
  CHECK(*parsed == through_text(expected));
  auto decoded = job_from_json(*parsed);
  REQUIRE(decoded);
  CHECK(json::serialize(to_json(*decoded)) == json::serialize(expected));

  const std::string stored = written(job_document_text(j));
  INFO(stored);
  auto stored_parsed = parse_json(stored, 1 << 20);
  REQUIRE(stored_parsed);
  auto restored = job_from_json(*stored_parsed);
  REQUIRE(restored);
  CHECK(json::serialize(to_json(*restored)) == json::serialize(expected));
  CHECK(stored.size() <= text.size());
}

}  // namespace

TEST_CASE("the direct writer gives the document of to_json for a job with every field set",
          "[codec][json_text]") {
  check_same_document(full_job());
}

TEST_CASE("the direct writer gives the document of to_json for a bare job", "[codec][json_text]") {
  job j;
  j.id = id_from(7);
  j.type = "noop";
  j.payload = json::object{};
  j.tenant = "default";
  j.created_at = at("2026-11-23T14:00:00.000Z");
  j.updated_at = j.created_at;
  history_entry submitted;
  submitted.at = j.created_at;
  j.history.push_back(submitted);
  check_same_document(j);
  // The stored form of a bare job says nothing of what it does not have.
  const std::string stored = written(job_document_text(j));
  for (const char* absent : {"null", "[]", "\"\"", "priority", "depends_on", "dependency_mode",
                             "unique_for_ms", "retry_on", "attempt\":0"})
    CHECK(stored.find(absent) == std::string::npos);
  CHECK(stored.size() * 2 < written(job_json_text(j)).size());
  // Nothing at all in the optional parts, not even a history.
  j.history.clear();
  j.payload = nullptr;
  check_same_document(j);
}

TEST_CASE("the direct writer escapes what JSON strings must escape", "[codec][json_text]") {
  job j = full_job();
  j.type = "quote\" back\\slash";
  j.tenant = std::string("ctl\x01\x1f\b\f\n\r\t end");
  j.tags = {"", "tab\there", "ünïcode ✓", std::string("nul\0byte", 8)};
  j.unique_key = "\"\\/";
  j.cancel_reason = "line one\nline two";
  j.canceled_by = "operator \"root\"";
  j.last_error->message = "bad byte \x7f and \x1b[0m escape";
  j.history.front().reason = "why: \"because\"";
  j.history.front().node = "node\\1";
  check_same_document(j);
}

TEST_CASE("the direct writer repairs text that is not UTF-8, so the document reads back",
          "[codec][json_text]") {
  job j = full_job();
  // A handler's exception may say anything: a Latin-1 byte, a cut sequence.
  j.last_error->message = "caf\xe9 and a cut \xe2\x82";
  j.history.front().reason = "\xff";
  const std::string stored = written(job_document_text(j));
  boost::json::error_code ec;
  const auto value = boost::json::parse(stored, ec);
  REQUIRE_FALSE(ec);
  auto back = job_from_json(value);
  REQUIRE(back);
  CHECK(back->last_error->message == "caf\xEF\xBF\xBD and a cut \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(back->history.front().reason == "\xEF\xBF\xBD");
}

TEST_CASE("the direct writer keeps doubles as doubles and integers as integers",
          "[codec][json_text]") {
  job j = full_job();
  for (const double d : {1.0, 2.0, 1.5, 0.1, 0.2, 1e-7, 123456789.0, 1e21, 1e300, 0.0}) {
    INFO(d);
    j.retry.multiplier = d < 1 ? 1.0 + d : d;
    j.retry.jitter = std::fmod(std::abs(d), 1.0);
    j.progress->percent = std::fmod(d, 100.0);
    check_same_document(j);
  }
  j.attempts = std::numeric_limits<int>::max();
  j.timeout_ms = std::numeric_limits<std::int64_t>::max();
  j.unique_for_ms = 0;
  j.result_file->size = std::numeric_limits<std::int64_t>::max();
  j.last_error->retry_after_ms = std::nullopt;
  j.progress->eta_ms = std::nullopt;
  check_same_document(j);
}

TEST_CASE("the direct writer matches to_json across many random jobs", "[codec][json_text]") {
  auto rng = make_seeded_random(20261123);
  const auto pick = [&](std::uint64_t n) { return rng->next_u64() % n; };
  for (int round = 0; round < 300; ++round) {
    job j = full_job();
    j.id = id_from(1000 + static_cast<std::uint64_t>(round));
    j.status = all_job_statuses[pick(all_job_statuses.size())];
    if (pick(2)) j.progress.reset();
    if (pick(2)) j.result_file.reset();
    if (pick(2)) j.last_error.reset();
    if (pick(2)) j.unique_key.reset();
    if (pick(2)) j.webhook_url.reset();
    if (pick(2)) j.run_at.reset();
    if (pick(2)) j.started_at = at("2026-11-23T14:05:00.000Z");
    if (pick(2)) j.finished_at = at("2026-11-23T14:06:00.500Z");
    if (pick(3) == 0) j.canceled_at = at("1969-07-20T20:17:40.000Z");
    if (pick(2)) j.tags.clear();
    if (pick(2)) j.dependencies.depends_on.clear();
    if (pick(2)) j.retry.retry_on.clear();
    if (pick(2)) j.webhook_events.clear();
    if (pick(2)) j.unique_for_ms = 0;
    j.priority = static_cast<priority>(pick(4));
    j.dependencies.mode = pick(2) ? dependency_mode::all : dependency_mode::any;
    j.dependencies.on_failure =
        pick(2) ? dependency_failure_policy::cancel : dependency_failure_policy::run;
    j.result = pick(2) ? json::value(nullptr) : json::value(json::array{1, "two", 3.0});
    j.checkpoint = pick(2) ? json::value(nullptr) : json::value(json::object{{"k", -1}});
    const auto entries = pick(5);
    for (std::uint64_t e = 0; e < entries; ++e) {
      history_entry h;
      h.at = at("2026-11-23T14:00:00.000Z") + milliseconds{static_cast<std::int64_t>(pick(9999))};
      h.from = all_job_statuses[pick(all_job_statuses.size())];
      h.to = all_job_statuses[pick(all_job_statuses.size())];
      h.attempt = static_cast<int>(pick(10));
      if (pick(2)) h.error = job_error{"code", "message", error_kind::timeout, std::nullopt};
      if (pick(2)) h.from.reset();
      if (pick(2)) h.node = "node-" + std::to_string(pick(9));
      if (pick(2)) h.reason = "reason";
      j.history.push_back(h);
    }
    check_same_document(j);
  }
}

}  // namespace jobforge::codec_test

#include "model/job_factory.hpp"
#include "model/canonical_json.hpp"
#include "model/dedup.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

using namespace jobforge;

namespace {

namespace json = boost::json;

const timestamp t0 = from_unix_ms(1'700'000'000'000);

// The canonical text of a document that has one (every number finite).
std::string canonical(const json::value& v) {
  auto text = canonical_json(v);
  REQUIRE(text);
  return *text;
}

job_id make_id(std::uint64_t seed) {
  return job_id::generate(*make_seeded_random(seed));
}

// A type whose defaults differ from the library defaults everywhere, so that
// a test can tell "the type's default" from "the struct's default".
job_type email_type() {
  job_type t;
  t.name = "email.send";
  t.schema = json::object{};
  t.defaults.max_attempts = 5;
  t.defaults.retry.initial_backoff_ms = 500;
  t.defaults.retry.max_backoff_ms = 60'000;
  t.defaults.retry.multiplier = 3.0;
  t.defaults.retry.jitter = 0.1;
  t.defaults.retry.retry_on = {"smtp_4xx"};
  t.defaults.timeout_ms = 10'000;
  t.defaults.priority = priority::high;
  t.defaults.unique_for_ms = 0;
  t.bounds.max_attempts = 10;
  t.bounds.min_initial_backoff_ms = 100;
  t.bounds.max_backoff_ms = 120'000;
  t.bounds.max_multiplier = 4.0;
  t.max_timeout_ms = 20'000;
  t.handler = [](handler_context&, const json::value&) { return handler_result::ok(); };
  return t;
}

job_type dedup_type(std::string name) {
  job_type t = email_type();
  t.name = std::move(name);
  t.defaults.dedup_by_payload = true;
  t.defaults.unique_for_ms = 60'000;
  return t;
}

job_request request_for(const job_type& t, json::value payload = json::object{}) {
  job_request r;
  r.type = t.name;
  r.payload = std::move(payload);
  return r;
}

job build(const job_request& r, const job_type& t, const job_id& id = make_id(1)) {
  auto result = build_job(r, t, id, t0);
  INFO((result.has_value() ? std::string("ok") : to_string(result.error_value())));
  REQUIRE(result.has_value());
  return std::move(result).value();
}

bool is_lower_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

TEST_CASE("build_job applies the type's defaults to a bare request", "[factory]") {
  const auto type = email_type();
  const auto id = make_id(42);
  const json::value payload = json::parse(R"({"to": "ann@example.com"})");
  const job j = build(request_for(type, payload), type, id);

  CHECK(j.id == id);
  CHECK(j.type == "email.send");
  CHECK(j.payload == payload);
  CHECK(j.status == job_status::pending);
  CHECK(j.priority == priority::high);
  CHECK(j.attempts == 0);
  CHECK(j.max_attempts == 5);
  CHECK(j.retry == type.defaults.retry);
  CHECK(j.timeout_ms == 10'000);
  CHECK_FALSE(j.run_at.has_value());
  CHECK(j.dependencies.empty());
  CHECK_FALSE(j.unique_key.has_value());
  CHECK(j.unique_for_ms == 0);
  CHECK(j.tenant == "default");
  CHECK(j.tenant == default_tenant);
  CHECK(j.tags.empty());
  CHECK_FALSE(j.progress.has_value());
  CHECK(j.result.is_null());
  CHECK_FALSE(j.last_error.has_value());
  CHECK(j.checkpoint.is_null());
  CHECK(j.created_at == t0);
  CHECK(j.updated_at == t0);
  CHECK_FALSE(j.started_at.has_value());
  CHECK_FALSE(j.finished_at.has_value());
  CHECK_FALSE(j.canceled_at.has_value());
  CHECK_FALSE(j.cancel_reason.has_value());
  CHECK_FALSE(j.canceled_by.has_value());
}

TEST_CASE("the history of a new job starts with exactly one submission entry", "[factory]") {
  const auto type = email_type();
  for (auto expected_status : {job_status::pending, job_status::scheduled, job_status::blocked}) {
    auto r = request_for(type);
    if (expected_status == job_status::scheduled) r.run_in_ms = 5'000;
    if (expected_status == job_status::blocked) r.dependencies.depends_on = {make_id(2)};
    const job j = build(r, type);
    INFO(to_string(expected_status));
    CHECK(j.status == expected_status);
    REQUIRE(j.history.size() == 1);
    const auto& h = j.history.front();
    CHECK(h.at == t0);
    CHECK_FALSE(h.from.has_value());
    CHECK(h.to == expected_status);
    CHECK(h.attempt == 0);
    CHECK_FALSE(h.error.has_value());
    CHECK(is_initial(h.to));
  }
}

TEST_CASE("per-job overrides within the type's bounds are kept as asked", "[factory]") {
  const auto type = email_type();
  auto r = request_for(type);
  r.priority = priority::low;
  r.max_attempts = 7;
  r.retry.initial_backoff_ms = 200;
  r.retry.max_backoff_ms = 90'000;
  r.retry.multiplier = 2.0;
  r.retry.jitter = 0.5;
  r.retry.retry_on = std::vector<std::string>{"smtp_421", "timeout"};
  r.timeout_ms = 15'000;
  r.tags = {"billing", "eu"};
  const job j = build(r, type);
  CHECK(j.priority == priority::low);
  CHECK(j.max_attempts == 7);
  CHECK(j.retry.initial_backoff_ms == 200);
  CHECK(j.retry.max_backoff_ms == 90'000);
  CHECK(j.retry.multiplier == 2.0);
  CHECK(j.retry.jitter == 0.5);
  CHECK(j.retry.retry_on == std::vector<std::string>{"smtp_421", "timeout"});
  CHECK(j.timeout_ms == 15'000);
  CHECK(j.tags == std::vector<std::string>{"billing", "eu"});
}

TEST_CASE("per-job overrides are clamped to the type's bounds", "[factory]") {
  const auto type = email_type();

  SECTION("max_attempts above bounds.max_attempts") {
    auto r = request_for(type);
    r.max_attempts = 50;
    CHECK(build(r, type).max_attempts == 10);
  }
  SECTION("max_attempts exactly at the bound") {
    auto r = request_for(type);
    r.max_attempts = 10;
    CHECK(build(r, type).max_attempts == 10);
  }
  SECTION("initial backoff below the minimum") {
    auto r = request_for(type);
    r.retry.initial_backoff_ms = 1;
    const job j = build(r, type);
    CHECK(j.retry.initial_backoff_ms == 100);
    CHECK(j.retry.max_backoff_ms == 60'000);
  }
  SECTION("max backoff above the bound") {
    auto r = request_for(type);
    r.retry.max_backoff_ms = 10'000'000;
    const job j = build(r, type);
    CHECK(j.retry.max_backoff_ms == 120'000);
    CHECK(j.retry.initial_backoff_ms == 500);
  }
  SECTION("max backoff below the minimum") {
    auto r = request_for(type);
    r.retry.max_backoff_ms = 50;
    const job j = build(r, type);
    CHECK(j.retry.max_backoff_ms == 100);
    CHECK(j.retry.initial_backoff_ms == 100);
  }
  SECTION("initial backoff above the (resolved) max backoff") {
    auto r = request_for(type);
    r.retry.initial_backoff_ms = 100'000;
    r.retry.max_backoff_ms = 5'000;
    const job j = build(r, type);
    CHECK(j.retry.max_backoff_ms == 5'000);
    CHECK(j.retry.initial_backoff_ms == 5'000);
  }
  SECTION("multiplier above max_multiplier") {
    auto r = request_for(type);
    r.retry.multiplier = 9.0;
    CHECK(build(r, type).retry.multiplier == 4.0);
  }
  SECTION("timeout above max_timeout_ms") {
    auto r = request_for(type);
    r.timeout_ms = 999'999;
    CHECK(build(r, type).timeout_ms == 20'000);
  }
  SECTION("everything at once") {
    auto r = request_for(type);
    r.max_attempts = 1'000;
    r.retry.initial_backoff_ms = 0;
    r.retry.max_backoff_ms = 1'000'000'000;
    r.retry.multiplier = 100.0;
    r.timeout_ms = 1'000'000'000;
    const job j = build(r, type);
    CHECK(j.max_attempts == type.bounds.max_attempts);
    CHECK(j.retry.initial_backoff_ms == type.bounds.min_initial_backoff_ms);
    CHECK(j.retry.max_backoff_ms == type.bounds.max_backoff_ms);
    CHECK(j.retry.multiplier == type.bounds.max_multiplier);
    CHECK(j.timeout_ms == type.max_timeout_ms);
    // What was not overridden keeps the type's default.
    CHECK(j.retry.jitter == type.defaults.retry.jitter);
    CHECK(j.retry.retry_on == type.defaults.retry.retry_on);
  }
}

TEST_CASE("the initial status follows run_at, run_in_ms and parents", "[factory]") {
  const auto type = email_type();

  SECTION("run_at in the future: scheduled") {
    auto r = request_for(type);
    r.run_at = t0 + milliseconds{60'000};
    const job j = build(r, type);
    CHECK(j.status == job_status::scheduled);
    REQUIRE(j.run_at.has_value());
    CHECK(*j.run_at == t0 + milliseconds{60'000});
  }
  SECTION("run_in_ms > 0: scheduled at now + run_in_ms") {
    auto r = request_for(type);
    r.run_in_ms = 1;
    const job j = build(r, type);
    CHECK(j.status == job_status::scheduled);
    REQUIRE(j.run_at.has_value());
    CHECK(*j.run_at == t0 + milliseconds{1});
  }
  SECTION("run_at in the past: pending") {
    auto r = request_for(type);
    r.run_at = t0 - milliseconds{60'000};
    const job j = build(r, type);
    CHECK(j.status == job_status::pending);
  }
  SECTION("run_at now: pending") {
    auto r = request_for(type);
    r.run_at = t0;
    CHECK(build(r, type).status == job_status::pending);
  }
  SECTION("run_in_ms == 0: pending") {
    auto r = request_for(type);
    r.run_in_ms = 0;
    CHECK(build(r, type).status == job_status::pending);
  }
  SECTION("parents: blocked") {
    auto r = request_for(type);
    r.dependencies.depends_on = {make_id(2), make_id(3)};
    r.dependencies.mode = dependency_mode::any;
    r.dependencies.on_failure = dependency_failure_policy::run;
    const job j = build(r, type);
    CHECK(j.status == job_status::blocked);
    CHECK(j.dependencies.depends_on == std::vector<job_id>{make_id(2), make_id(3)});
    CHECK(j.dependencies.mode == dependency_mode::any);
    CHECK(j.dependencies.on_failure == dependency_failure_policy::run);
  }
  SECTION("parents and a future run_at: blocked, and run_at is kept") {
    auto r = request_for(type);
    r.dependencies.depends_on = {make_id(2)};
    r.run_in_ms = 30'000;
    const job j = build(r, type);
    CHECK(j.status == job_status::blocked);
    REQUIRE(j.run_at.has_value());
    CHECK(*j.run_at == t0 + milliseconds{30'000});
  }
}

TEST_CASE("the tenant defaults to 'default'", "[factory]") {
  const auto type = email_type();
  auto r = request_for(type);
  CHECK(build(r, type).tenant == "default");
  r.tenant = "acme";
  CHECK(build(r, type).tenant == "acme");
}

TEST_CASE("build_job refuses negative, contradictory and malformed fields", "[factory]") {
  const auto type = email_type();
  const auto id = make_id(1);
  struct bad_case {
    const char* what;
    const char* field;
    std::function<void(job_request&)> spoil;
  };
  const std::vector<bad_case> cases = {
      {"max_attempts 0", "max_attempts", [](job_request& r) { r.max_attempts = 0; }},
      {"max_attempts negative", "max_attempts", [](job_request& r) { r.max_attempts = -3; }},
      {"timeout 0", "timeout_ms", [](job_request& r) { r.timeout_ms = 0; }},
      {"timeout negative", "timeout_ms", [](job_request& r) { r.timeout_ms = -1; }},
      {"run_in_ms negative", "run_in_ms", [](job_request& r) { r.run_in_ms = -1; }},
      {"run_at together with run_in_ms", "run_at",
       [](job_request& r) {
         r.run_at = t0 + milliseconds{1'000};
         r.run_in_ms = 1'000;
       }},
      {"unique_for_ms negative", "unique_for_ms", [](job_request& r) { r.unique_for_ms = -1; }},
      {"empty unique_key", "unique_key", [](job_request& r) { r.unique_key = ""; }},
      {"negative initial backoff", "retry.initial_backoff_ms",
       [](job_request& r) { r.retry.initial_backoff_ms = -1; }},
      {"negative max backoff", "retry.max_backoff_ms",
       [](job_request& r) { r.retry.max_backoff_ms = -1; }},
      {"multiplier below one", "retry.multiplier",
       [](job_request& r) { r.retry.multiplier = 0.5; }},
      {"jitter above one", "retry.jitter", [](job_request& r) { r.retry.jitter = 1.5; }},
      {"jitter negative", "retry.jitter", [](job_request& r) { r.retry.jitter = -0.1; }},
      {"too many tags", "tags",
       [](job_request& r) { r.tags = std::vector<std::string>(max_tags + 1, "t"); }},
      {"an empty tag", "tags",
       [](job_request& r) {
         r.tags = {"ok", ""};
       }},
      {"a tag that is too long", "tags",
       [](job_request& r) { r.tags = {std::string(max_tag_length + 1, 'x')}; }},
      {"a tag with a NUL character", "tags",
       [](job_request& r) { r.tags = {std::string("a\0b", 3)}; }},
      {"a tag that is not UTF-8", "tags", [](job_request& r) { r.tags = {"caf\xe9"}; }},
      {"a unique_key that is not UTF-8", "unique_key",
       [](job_request& r) { r.unique_key = std::string("k\xff"); }},
      {"duplicate parents", "depends_on",
       [](job_request& r) {
         r.dependencies.depends_on = {make_id(2), make_id(3), make_id(2)};
       }},
      {"self-dependency", "depends_on",
       [](job_request& r) {
         r.dependencies.depends_on = {make_id(2), make_id(1)};
       }},
      {"the nil id as a parent", "depends_on",
       [](job_request& r) { r.dependencies.depends_on = {job_id{}}; }},
      {"a dependency timeout without parents", "dependency_timeout_ms",
       [](job_request& r) { r.dependencies.timeout_ms = 1000; }},
      {"a request for another type", "type", [](job_request& r) { r.type = "http.request"; }},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = request_for(type);
    c.spoil(r);
    auto result = build_job(r, type, id, t0);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::invalid_argument);
    REQUIRE(result.error_value().details.is_object());
    CHECK(result.error_value().details.as_object().at("field").as_string() == c.field);
  }

  SECTION("the limits themselves are accepted") {
    auto r = request_for(type);
    r.tags = std::vector<std::string>(max_tags, std::string(max_tag_length, 'x'));
    r.retry.jitter = 1.0;
    r.retry.multiplier = 1.0;
    r.run_in_ms = 0;
    r.unique_for_ms = 0;
    const job j = build(r, type, id);
    CHECK(j.tags.size() == max_tags);
  }
}

TEST_CASE("dedup key: an explicit unique_key wins", "[factory]") {
  const auto by_payload = dedup_type("email.send");
  auto r = request_for(by_payload, json::parse(R"({"to": "ann@example.com"})"));
  r.unique_key = "invoice-2024-001";
  r.unique_for_ms = 5'000;
  const job j = build(r, by_payload);
  REQUIRE(j.unique_key.has_value());
  CHECK(*j.unique_key == "invoice-2024-001");
  CHECK(j.unique_for_ms == 5'000);

  // Without a window of its own, the type's window applies.
  r.unique_for_ms.reset();
  CHECK(build(r, by_payload).unique_for_ms == 60'000);

  // A type without payload dedup still honours an explicit key.
  const auto plain = email_type();
  auto r2 = request_for(plain);
  r2.unique_key = "k";
  const job j2 = build(r2, plain);
  REQUIRE(j2.unique_key.has_value());
  CHECK(*j2.unique_key == "k");
  CHECK(j2.unique_for_ms == 0);

  CHECK(*dedup_key("email.send", json::object{}, std::string("explicit"), true) ==
        std::optional<std::string>("explicit"));
}

TEST_CASE("dedup key: derived from type and canonical payload when the type asks", "[factory]") {
  const auto type = dedup_type("email.send");
  auto key_of = [&](const job_type& t, const char* payload_text) {
    const job j = build(request_for(t, json::parse(payload_text)), t);
    REQUIRE(j.unique_key.has_value());
    CHECK(j.unique_for_ms == 60'000);
    return *j.unique_key;
  };

  const std::string base = key_of(type, R"({"to": "ann@example.com", "n": 1, "tags": ["a", "b"]})");
  REQUIRE(base.size() == 7 + 64);
  CHECK(base.rfind("sha256:", 0) == 0);
  CHECK(is_lower_hex(base.substr(7)));

  // Same document: key order, whitespace, 1 vs 1.0.
  CHECK(key_of(type, R"({"tags":["a","b"],"n":1,"to":"ann@example.com"})") == base);
  CHECK(
      key_of(
          type,
          "{\n  \"n\" : 1.0 ,\n  \"to\" : \"ann@example.com\",\n  \"tags\":[ \"a\" ,\"b\" ]\n}") ==
      base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": 1e0, "tags": ["a", "b"]})") == base);

  // Different documents.
  CHECK(key_of(type, R"({"to": "bob@example.com", "n": 1, "tags": ["a", "b"]})") != base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": 2, "tags": ["a", "b"]})") != base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": 1.5, "tags": ["a", "b"]})") != base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": "1", "tags": ["a", "b"]})") != base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": 1, "tags": ["b", "a"]})") != base);
  CHECK(key_of(type, R"({"to": "ann@example.com", "n": 1})") != base);

  // Same payload, another type.
  const auto other = dedup_type("email.send2");
  CHECK(key_of(other, R"({"to": "ann@example.com", "n": 1, "tags": ["a", "b"]})") != base);

  // The key is the same whichever way it is computed.
  CHECK(*dedup_key("email.send",
                   json::parse(R"({"to": "ann@example.com", "n": 1, "tags": ["a", "b"]})"),
                   std::nullopt, true) == std::optional<std::string>(base));
}

TEST_CASE("dedup key: none without unique_key when the type does not ask", "[factory]") {
  const auto type = email_type();
  auto r = request_for(type, json::parse(R"({"to": "ann@example.com"})"));
  r.unique_for_ms = 10'000;
  const job j = build(r, type);
  CHECK_FALSE(j.unique_key.has_value());
  CHECK(j.unique_for_ms == 0);
  CHECK_FALSE(dedup_key("email.send", json::object{}, std::nullopt, false)->has_value());
}

TEST_CASE("dedup_window finds a key inside its window and not after it", "[factory]") {
  dedup_window window;
  const auto first = make_id(1);
  window.remember("acme", "k1", first, t0 + milliseconds{1'000});
  CHECK(window.size() == 1);

  CHECK(window.find("acme", "k1", t0) == std::optional<job_id>(first));
  CHECK(window.find("acme", "k1", t0 + milliseconds{999}) == std::optional<job_id>(first));
  CHECK_FALSE(window.find("acme", "k1", t0 + milliseconds{1'000}).has_value());
  CHECK_FALSE(window.find("acme", "k1", t0 + milliseconds{5'000}).has_value());
  CHECK_FALSE(window.find("acme", "k2", t0).has_value());
}

TEST_CASE("dedup_window keeps tenants apart", "[factory]") {
  dedup_window window;
  const auto a = make_id(1);
  const auto b = make_id(2);
  window.remember("acme", "same-key", a, t0 + milliseconds{1'000});
  CHECK_FALSE(window.find("globex", "same-key", t0).has_value());
  window.remember("globex", "same-key", b, t0 + milliseconds{2'000});
  CHECK(window.size() == 2);
  CHECK(window.find("acme", "same-key", t0) == std::optional<job_id>(a));
  CHECK(window.find("globex", "same-key", t0) == std::optional<job_id>(b));
  // One tenant's expiry leaves the other's key alone.
  CHECK(window.expire(t0 + milliseconds{1'500}) == 1);
  CHECK_FALSE(window.find("acme", "same-key", t0 + milliseconds{1'500}).has_value());
  CHECK(window.find("globex", "same-key", t0 + milliseconds{1'500}) == std::optional<job_id>(b));
}

TEST_CASE("dedup_window expire drops ended windows and counts them", "[factory]") {
  dedup_window window;
  window.remember("t", "a", make_id(1), t0 + milliseconds{100});
  window.remember("t", "b", make_id(2), t0 + milliseconds{200});
  window.remember("t", "c", make_id(3), t0 + milliseconds{200});
  window.remember("u", "a", make_id(4), t0 + milliseconds{300});
  CHECK(window.size() == 4);

  CHECK(window.expire(t0) == 0);
  CHECK(window.size() == 4);
  CHECK(window.expire(t0 + milliseconds{100}) == 1);
  CHECK(window.size() == 3);
  CHECK(window.expire(t0 + milliseconds{100}) == 0);
  CHECK(window.expire(t0 + milliseconds{250}) == 2);
  CHECK(window.size() == 1);
  CHECK(window.find("u", "a", t0 + milliseconds{250}) == std::optional<job_id>(make_id(4)));
  CHECK(window.expire(t0 + milliseconds{10'000}) == 1);
  CHECK(window.size() == 0);
  CHECK(window.expire(t0 + milliseconds{20'000}) == 0);
}

TEST_CASE("dedup_window remembers a key again after its window ended", "[factory]") {
  dedup_window window;
  const auto first = make_id(1);
  const auto second = make_id(2);
  window.remember("acme", "k", first, t0 + milliseconds{100});

  SECTION("after expire() dropped it") {
    CHECK(window.expire(t0 + milliseconds{150}) == 1);
    window.remember("acme", "k", second, t0 + milliseconds{1'000});
  }
  SECTION("replacing the expired entry without expire()") {
    window.remember("acme", "k", second, t0 + milliseconds{1'000});
    // The stale expiry of the first entry must not drop the second one.
    CHECK(window.expire(t0 + milliseconds{150}) == 0);
  }
  CHECK(window.size() == 1);
  CHECK(window.find("acme", "k", t0 + milliseconds{500}) == std::optional<job_id>(second));
  CHECK_FALSE(window.find("acme", "k", t0 + milliseconds{1'000}).has_value());
  CHECK(window.expire(t0 + milliseconds{1'000}) == 1);
  CHECK(window.size() == 0);
}

TEST_CASE("canonical_json sorts keys, drops whitespace and writes integral numbers as integers",
          "[factory]") {
  CHECK(canonical(json::parse(R"({"b": 1, "a": {"d": [3, 2, 1], "c": null}})")) ==
        R"({"a":{"c":null,"d":[3,2,1]},"b":1})");
  CHECK(canonical(json::parse("[ true , false , null , \"x\" ]")) == R"([true,false,null,"x"])");
  CHECK(canonical(json::parse("{}")) == "{}");
  CHECK(canonical(json::parse("[]")) == "[]");

  // 1, 1.0, 1e0 and an unsigned 1 are the same number.
  const std::string one = canonical(json::value(1));
  CHECK(one == "1");
  CHECK(canonical(json::value(1.0)) == one);
  CHECK(canonical(json::parse("1e0")) == one);
  CHECK(canonical(json::value(std::uint64_t{1})) == one);
  CHECK(canonical(json::value(-42.0)) == "-42");
  CHECK(canonical(json::value(0.0)) == canonical(json::value(0)));

  // Non-integral numbers stay non-integral, and equal ones stay equal.
  CHECK(canonical(json::parse("2.5")) == canonical(json::parse("25e-1")));
  CHECK(canonical(json::parse("2.5")) != canonical(json::parse("2")));

  // Strings are escaped, in values and keys alike.
  const json::value tricky = json::object{{"q\"uote", "line\nbreak"}};
  CHECK(json::parse(canonical(tricky)) == tricky);

  // Equal documents, different texts: equal canonical text.
  CHECK(canonical(json::parse(R"({"x": [1, {"b": 2.0, "a": 1}], "y": "z"})")) ==
        canonical(json::parse(R"({ "y":"z", "x":[1.0,{"a":1,"b":2}] })")));
  // The canonical text parses back to an equal document.
  const auto doc = json::parse(R"({"z": [1, 2.5, "s"], "a": {"k": false}})");
  CHECK(json::parse(canonical(doc)) == doc);
}

TEST_CASE("canonical_json writes equal large integral numbers alike", "[factory]") {
  // 10^19 fits an unsigned 64-bit integer and is exactly representable as a
  // double: the same number, so the same canonical text (and dedup key).
  const json::value as_unsigned = std::uint64_t{10'000'000'000'000'000'000ULL};
  const json::value as_double = 1e19;
  REQUIRE(as_unsigned.is_uint64());
  REQUIRE(as_double.is_double());
  CHECK(canonical(as_unsigned) == canonical(as_double));
  CHECK(canonical(json::parse("10000000000000000000")) ==
        canonical(json::parse("10000000000000000000.0")));
  // 9.2 * 10^18 fits a signed 64-bit integer and is exactly a double too.
  CHECK(canonical(json::value(std::int64_t{9'200'000'000'000'000'000})) ==
        canonical(json::value(9.2e18)));
  // The same holds well inside the range.
  CHECK(canonical(json::value(std::int64_t{1'000'000'000'000'000})) ==
        canonical(json::value(1e15)));
}

TEST_CASE("a huge run_in_ms is refused or schedules the job in the future", "[factory]") {
  // now + run_in_ms must not overflow into the past (and a pending job).
  const auto type = email_type();
  for (std::int64_t ms : {std::int64_t{4'000'000'000'000'000'000}, INT64_MAX}) {
    INFO("run_in_ms " << ms);
    auto r = request_for(type);
    r.run_in_ms = ms;
    auto result = build_job(r, type, make_id(1), t0);
    if (!result.has_value()) {
      CHECK(result.error_value().code == error_code::invalid_argument);
      continue;
    }
    CHECK(result->status == job_status::scheduled);
    REQUIRE(result->run_at.has_value());
    CHECK(*result->run_at > t0);
  }
}

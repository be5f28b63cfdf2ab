#include "model/job_type_registry.hpp"
#include "handlers/demo_types.hpp"

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

job_id make_id(std::uint64_t seed) {
  return job_id::generate(*make_seeded_random(seed));
}

handler_fn trivial_handler() {
  return [](handler_context&, const json::value&) { return handler_result::ok(); };
}

job_type make_type(std::string name, const char* schema = R"({"type": "object"})",
                   const char* sample = R"({})") {
  job_type t;
  t.name = std::move(name);
  t.description = "a test type";
  t.schema = json::parse(schema);
  t.sample_payload = json::parse(sample);
  t.handler = trivial_handler();
  return t;
}

// A schema with a required string, a nested object, an array of bounded
// integers and no other properties.
constexpr const char* order_schema = R"({
  "type": "object",
  "properties": {
    "to": {"type": "string"},
    "address": {
      "type": "object",
      "properties": {"zip": {"type": "string"}, "city": {"type": "string"}}
    },
    "items": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 10}}
  },
  "required": ["to"],
  "additionalProperties": false
})";
constexpr const char* order_sample =
    R"({"to": "ann@example.com", "address": {"zip": "12345", "city": "Oslo"}, "items": [1, 2, 3]})";

job_type_registry registry_with_order_type() {
  job_type_registry registry;
  auto ok = registry.add(make_type("order.place", order_schema, order_sample));
  REQUIRE(ok.has_value());
  return registry;
}

struct violation {
  std::string path;
  std::string message;
};

std::vector<violation> violations_of(const error& e) {
  std::vector<violation> out;
  REQUIRE(e.details.is_object());
  const auto* list = e.details.as_object().if_contains("violations");
  REQUIRE(list != nullptr);
  REQUIRE(list->is_array());
  for (const auto& v : list->as_array()) {
    REQUIRE(v.is_object());
    const auto& o = v.as_object();
    REQUIRE(o.contains("path"));
    REQUIRE(o.contains("message"));
    out.push_back(
        {std::string(o.at("path").as_string()), std::string(o.at("message").as_string())});
  }
  return out;
}

std::size_t count_with_path(const std::vector<violation>& vs, const std::string& path) {
  return static_cast<std::size_t>(
      std::count_if(vs.begin(), vs.end(), [&](const violation& v) { return v.path == path; }));
}

bool mentions(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

std::string describe(const std::vector<violation>& vs) {
  std::string out;
  for (const auto& v : vs)
    out += v.path + " -> " + v.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("registering a type name twice fails with duplicate_job_type", "[registry]") {
  job_type_registry registry;
  auto first = make_type("email.send");
  first.description = "the first one";
  REQUIRE(registry.add(first).has_value());
  REQUIRE(registry.size() == 1);

  auto second = make_type("email.send");
  second.description = "the second one";
  auto result = registry.add(second);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error_value().code == error_code::duplicate_job_type);
  CHECK(mentions(result.error_value().message, "email.send"));
  CHECK(registry.size() == 1);
  REQUIRE(registry.find("email.send") != nullptr);
  CHECK(registry.find("email.send")->description == "the first one");
}

TEST_CASE("the demo types register once and a second registration is refused", "[registry]") {
  job_type_registry registry;
  REQUIRE(handlers::register_demo_types(registry).has_value());
  CHECK(registry.size() == 5);
  for (const char* name : {"echo", "fail", "noop", "progress", "sleep"})
    CHECK(registry.find(name) != nullptr);
  auto again = handlers::register_demo_types(registry);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error_value().code == error_code::duplicate_job_type);
  CHECK(registry.size() == 5);
}

TEST_CASE("malformed type names are refused", "[registry]") {
  const std::vector<std::string> bad = {
      "",           "Email",       "email.Send",        "-email",
      ".email",     "_email",      "email send",        "email/send",
      "email:send", "caf\xc3\xa9", std::string(65, 'a')};
  for (const auto& name : bad) {
    INFO("name '" << name << "'");
    CHECK_FALSE(is_valid_type_name(name));
    job_type_registry registry;
    auto result = registry.add(make_type(name));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::invalid_argument);
    CHECK(registry.size() == 0);
  }

  const std::vector<std::string> good = {
      "a", "0", "email.send", "file.process-v2", "a_b-c.d9", std::string(64, 'z')};
  for (const auto& name : good) {
    INFO("name '" << name << "'");
    CHECK(is_valid_type_name(name));
    job_type_registry registry;
    CHECK(registry.add(make_type(name)).has_value());
    CHECK(registry.find(name) != nullptr);
  }
}

TEST_CASE("an invalid JSON Schema is refused with invalid_schema", "[registry]") {
  const std::vector<const char*> schemas = {
      R"({"type": "strng"})",
      R"({"type": "object", "properties": {"to": {"type": "strng"}}})",
      R"({"type": "number", "minimum": "zero"})",
      R"({"type": "object", "required": "to"})",
      R"([{"type": "object"}])",
      R"("object")",
  };
  for (const char* schema : schemas) {
    INFO("schema " << schema);
    job_type_registry registry;
    auto t = make_type("bad.schema");
    t.schema = json::parse(schema);
    auto result = registry.add(t);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::invalid_schema);
    CHECK(mentions(result.error_value().message, "bad.schema"));
    CHECK(registry.find("bad.schema") == nullptr);
  }
}

TEST_CASE("a sample payload the schema rejects is refused", "[registry]") {
  job_type_registry registry;
  auto result = registry.add(make_type("order.place", order_schema, R"({"to": 42})"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error_value().code == error_code::schema_violation);
  const auto vs = violations_of(result.error_value());
  INFO(describe(vs));
  CHECK(vs.size() == 1);
  CHECK(count_with_path(vs, "$.to") == 1);
  CHECK(registry.size() == 0);

  // A named sample is checked the same way, and named in the error.
  auto named = make_type("order.place", order_schema, order_sample);
  named.samples["rush"] = json::parse(R"({"to": 42})");
  auto refused = registry.add(named);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error_value().message.find("sample 'rush'") != std::string::npos);
  CHECK(registry.size() == 0);

  // The same type with matching samples registers.
  named.samples["rush"] = json::parse(order_sample);
  CHECK(registry.add(named).has_value());
}

TEST_CASE("defaults outside the type's own bounds are refused", "[registry]") {
  struct bad_case {
    const char* what;
    std::function<void(job_type&)> spoil;
  };
  const std::vector<bad_case> cases = {
      {"max_attempts above bounds.max_attempts",
       [](job_type& t) {
         t.bounds.max_attempts = 5;
         t.defaults.max_attempts = 6;
       }},
      {"max_attempts zero", [](job_type& t) { t.defaults.max_attempts = 0; }},
      {"initial backoff below the minimum",
       [](job_type& t) {
         t.bounds.min_initial_backoff_ms = 100;
         t.defaults.retry.initial_backoff_ms = 99;
       }},
      {"initial backoff above max backoff",
       [](job_type& t) {
         t.defaults.retry.initial_backoff_ms = 5'000;
         t.defaults.retry.max_backoff_ms = 4'000;
       }},
      {"max backoff above the bound",
       [](job_type& t) {
         t.bounds.max_backoff_ms = 60'000;
         t.defaults.retry.max_backoff_ms = 60'001;
       }},
      {"multiplier above max_multiplier",
       [](job_type& t) {
         t.bounds.max_multiplier = 3.0;
         t.defaults.retry.multiplier = 3.5;
       }},
      {"multiplier below one", [](job_type& t) { t.defaults.retry.multiplier = 0.5; }},
      {"jitter above one", [](job_type& t) { t.defaults.retry.jitter = 1.5; }},
      {"negative jitter", [](job_type& t) { t.defaults.retry.jitter = -0.1; }},
      {"timeout above max_timeout_ms",
       [](job_type& t) {
         t.max_timeout_ms = 10'000;
         t.defaults.timeout_ms = 10'001;
       }},
      {"zero timeout", [](job_type& t) { t.defaults.timeout_ms = 0; }},
      {"negative concurrency limit", [](job_type& t) { t.concurrency_limit = -1; }},
      {"negative rate", [](job_type& t) { t.rate.per_second = -1; }},
      {"burst below one", [](job_type& t) { t.rate.burst = 0.5; }},
      {"negative dedup window", [](job_type& t) { t.defaults.unique_for_ms = -1; }},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto t = make_type("bounded.type");
    c.spoil(t);
    job_type_registry registry;
    auto result = registry.add(t);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::invalid_argument);
    CHECK(registry.size() == 0);
  }

  // Defaults exactly on the bounds are fine.
  auto edge = make_type("bounded.type");
  edge.bounds.max_attempts = 5;
  edge.defaults.max_attempts = 5;
  edge.bounds.min_initial_backoff_ms = 100;
  edge.bounds.max_backoff_ms = 60'000;
  edge.bounds.max_multiplier = 3.0;
  edge.defaults.retry.initial_backoff_ms = 100;
  edge.defaults.retry.max_backoff_ms = 60'000;
  edge.defaults.retry.multiplier = 3.0;
  edge.defaults.retry.jitter = 1.0;
  edge.max_timeout_ms = 10'000;
  edge.defaults.timeout_ms = 10'000;
  job_type_registry registry;
  CHECK(registry.add(edge).has_value());
}

TEST_CASE("find returns the registered type and list is sorted by name", "[registry]") {
  job_type_registry registry;
  for (const char* name : {"report.generate", "email.send", "noop", "a.first", "http.request"}) {
    auto t = make_type(name);
    t.description = std::string("type ") + name;
    REQUIRE(registry.add(t).has_value());
  }
  CHECK(registry.size() == 5);

  const job_type* found = registry.find("http.request");
  REQUIRE(found != nullptr);
  CHECK(found->name == "http.request");
  CHECK(found->description == "type http.request");
  CHECK(registry.find("http") == nullptr);
  CHECK(registry.find("HTTP.REQUEST") == nullptr);
  CHECK(registry.find("") == nullptr);

  std::vector<std::string> names;
  for (const job_type* t : registry.list()) {
    REQUIRE(t != nullptr);
    CHECK(registry.find(t->name) == t);
    names.push_back(t->name);
  }
  CHECK(names == std::vector<std::string>{"a.first", "email.send", "http.request", "noop",
                                          "report.generate"});
  CHECK(job_type_registry{}.list().empty());
}

TEST_CASE("a valid payload passes validate_payload and parse_payload", "[registry]") {
  const auto registry = registry_with_order_type();
  CHECK(registry.validate_payload("order.place", json::parse(order_sample)).has_value());
  auto parsed = registry.parse_payload("order.place", order_sample);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == json::parse(order_sample));
}

TEST_CASE("violations below the root are each reported with their JSON path", "[registry]") {
  const auto registry = registry_with_order_type();
  const char* text =
      R"({"to": 7, "address": {"zip": 12345, "city": "Oslo"}, "items": [1, 2, 99, -1]})";

  auto check_violations = [](const error& e) {
    CHECK(e.code == error_code::schema_violation);
    const auto vs = violations_of(e);
    INFO(describe(vs));
    CHECK(vs.size() == 4);
    CHECK(count_with_path(vs, "$.to") == 1);
    CHECK(count_with_path(vs, "$.address.zip") == 1);
    CHECK(count_with_path(vs, "$.items[2]") == 1);
    CHECK(count_with_path(vs, "$.items[3]") == 1);
    for (const auto& v : vs)
      CHECK_FALSE(v.message.empty());
    // The human message names every path too.
    for (const char* path : {"$.to", "$.address.zip", "$.items[2]", "$.items[3]"})
      CHECK(mentions(e.message, path));
  };

  SECTION("validate_payload") {
    auto result = registry.validate_payload("order.place", json::parse(text));
    REQUIRE_FALSE(result.has_value());
    check_violations(result.error_value());
  }
  SECTION("parse_payload") {
    auto result = registry.parse_payload("order.place", text);
    REQUIRE_FALSE(result.has_value());
    check_violations(result.error_value());
  }
}

TEST_CASE("property names that are not plain identifiers are quoted in the path", "[registry]") {
  job_type_registry registry;
  REQUIRE(
      registry
          .add(make_type("quoted.names",
                         R"({"type": "object", "properties": {"content-type": {"type": "string"},
                                 "list": {"type": "array", "items": {"type": "object",
                                   "properties": {"a b": {"type": "integer"}}}}}})"))
          .has_value());
  auto result = registry.validate_payload("quoted.names", json::parse(R"({"content-type": 1,
                                                                "list": [{"a b": 1}, {"a b": "x"}]})"));
  REQUIRE_FALSE(result.has_value());
  const auto vs = violations_of(result.error_value());
  INFO(describe(vs));
  CHECK(vs.size() == 2);
  CHECK(count_with_path(vs, R"($["content-type"])") == 1);
  CHECK(count_with_path(vs, R"($.list[1]["a b"])") == 1);
}

TEST_CASE("a payload breaking several rules lists every violation, not only the deepest",
          "[registry]") {
  // Missing required "to", a wrong type in a nested object, an array item out
  // of range and an additional property: four independent violations.
  const auto registry = registry_with_order_type();
  const char* text =
      R"({"address": {"zip": 12345, "city": "Oslo"}, "items": [1, 2, 99], "extra": true})";

  auto check_violations = [](const error& e) {
    CHECK(e.code == error_code::schema_violation);
    const auto vs = violations_of(e);
    INFO(describe(vs));
    CHECK(count_with_path(vs, "$.address.zip") == 1);
    CHECK(count_with_path(vs, "$.items[2]") == 1);
    // The missing property and the additional one concern the root object;
    // each must be listed, located at the root or at the property itself,
    // with a message naming the property.
    const auto missing = std::count_if(vs.begin(), vs.end(), [](const violation& v) {
      return (v.path == "$" || v.path == "$.to") && mentions(v.message, "'to'");
    });
    const auto extra = std::count_if(vs.begin(), vs.end(), [](const violation& v) {
      return (v.path == "$" || v.path == "$.extra") && mentions(v.message, "extra");
    });
    CHECK(missing == 1);
    CHECK(extra == 1);
    CHECK(vs.size() == 4);
  };

  SECTION("validate_payload") {
    auto result = registry.validate_payload("order.place", json::parse(text));
    REQUIRE_FALSE(result.has_value());
    check_violations(result.error_value());
  }
  SECTION("parse_payload") {
    auto result = registry.parse_payload("order.place", text);
    REQUIRE_FALSE(result.has_value());
    check_violations(result.error_value());
  }
}

TEST_CASE("root-level violations alone are reported", "[registry]") {
  const auto registry = registry_with_order_type();
  auto result = registry.validate_payload("order.place", json::parse(R"({"extra": 1})"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error_value().code == error_code::schema_violation);
  const auto vs = violations_of(result.error_value());
  INFO(describe(vs));
  CHECK(vs.size() == 2);
  CHECK(std::any_of(vs.begin(), vs.end(),
                    [](const violation& v) { return mentions(v.message, "'to'"); }));
  CHECK(std::any_of(vs.begin(), vs.end(),
                    [](const violation& v) { return mentions(v.message, "extra"); }));

  auto not_object = registry.validate_payload("order.place", json::parse(R"([1, 2])"));
  REQUIRE_FALSE(not_object.has_value());
  CHECK(not_object.error_value().code == error_code::schema_violation);
  const auto root = violations_of(not_object.error_value());
  REQUIRE(root.size() == 1);
  CHECK(root[0].path == "$");
}

TEST_CASE("payload text over max_payload_bytes is refused before it is parsed", "[registry]") {
  job_type_registry registry;
  auto t = make_type("small.payload", R"({"type": "object"})", R"({})");
  t.max_payload_bytes = 32;
  REQUIRE(registry.add(t).has_value());

  SECTION("over the limit and malformed: payload_too_large, not invalid_json") {
    const std::string text = "{this is not JSON at all, and it is long}";
    REQUIRE(text.size() > 32);
    auto result = registry.parse_payload("small.payload", text);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::payload_too_large);
  }
  SECTION("over the limit and well-formed: payload_too_large") {
    const std::string text = R"({"message": "this text is a little too long"})";
    REQUIRE(text.size() > 32);
    auto result = registry.parse_payload("small.payload", text);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::payload_too_large);
  }
  SECTION("one byte over the limit is refused, exactly at the limit is accepted") {
    std::string text = R"({"m": ")" + std::string(32 - 9, 'x') + R"("})";
    REQUIRE(text.size() == 32);
    auto at_limit = registry.parse_payload("small.payload", text);
    REQUIRE(at_limit.has_value());
    CHECK(at_limit->as_object().at("m").as_string().size() == 23);
    text.insert(text.size() - 2, "x");
    auto over = registry.parse_payload("small.payload", text);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error_value().code == error_code::payload_too_large);
  }
  SECTION("under the limit and malformed: invalid_json") {
    for (const char* text : {"{", "{\"a\": }", "nope", "", "[1, 2,]", "{\"a\": 1} x"}) {
      INFO("text '" << text << "'");
      auto result = registry.parse_payload("small.payload", text);
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error_value().code == error_code::invalid_json);
    }
  }
  SECTION("validate_payload refuses an over-limit value too") {
    json::object big{{"message", std::string(100, 'x')}};
    auto result = registry.validate_payload("small.payload", big);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::payload_too_large);
    CHECK(registry.validate_payload("small.payload", json::object{{"m", 1}}).has_value());
  }
}

TEST_CASE("payload checks for an unknown type give unknown_job_type", "[registry]") {
  const auto registry = registry_with_order_type();
  auto validated = registry.validate_payload("order.cancel", json::parse(order_sample));
  REQUIRE_FALSE(validated.has_value());
  CHECK(validated.error_value().code == error_code::unknown_job_type);
  CHECK(mentions(validated.error_value().message, "order.cancel"));

  auto parsed = registry.parse_payload("order.cancel", order_sample);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error_value().code == error_code::unknown_job_type);

  // The type is looked up before the text is even parsed.
  auto malformed = registry.parse_payload("order.cancel", "{not json");
  REQUIRE_FALSE(malformed.has_value());
  CHECK(malformed.error_value().code == error_code::unknown_job_type);
}

TEST_CASE("prepare checks the type, then the payload, then builds the job", "[registry]") {
  auto registry = registry_with_order_type();
  const auto id = make_id(7);

  SECTION("unknown type") {
    job_request r;
    r.type = "order.cancel";
    r.payload = json::parse(order_sample);
    auto result = registry.prepare(r, id, t0);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::unknown_job_type);
  }
  SECTION("schema violation") {
    job_request r;
    r.type = "order.place";
    r.payload = json::parse(R"({"to": "ann@example.com", "items": [11]})");
    auto result = registry.prepare(r, id, t0);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::schema_violation);
    const auto vs = violations_of(result.error_value());
    INFO(describe(vs));
    CHECK(vs.size() == 1);
    CHECK(count_with_path(vs, "$.items[0]") == 1);
  }
  SECTION("a payload over the size limit") {
    auto t = make_type("tiny", R"({"type": "object"})", R"({})");
    t.max_payload_bytes = 8;
    REQUIRE(registry.add(t).has_value());
    job_request r;
    r.type = "tiny";
    r.payload = json::object{{"message", "far too long"}};
    auto result = registry.prepare(r, id, t0);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::payload_too_large);
  }
  SECTION("a request the factory refuses") {
    job_request r;
    r.type = "order.place";
    r.payload = json::parse(order_sample);
    r.max_attempts = 0;
    auto result = registry.prepare(r, id, t0);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error_value().code == error_code::invalid_argument);
  }
  SECTION("a valid request") {
    job_request r;
    r.type = "order.place";
    r.payload = json::parse(order_sample);
    r.tenant = "acme";
    auto result = registry.prepare(r, id, t0);
    REQUIRE(result.has_value());
    const job& j = *result;
    CHECK(j.id == id);
    CHECK(j.type == "order.place");
    CHECK(j.payload == json::parse(order_sample));
    CHECK(j.status == job_status::pending);
    CHECK(j.tenant == "acme");
    CHECK(j.attempts == 0);
    CHECK(j.max_attempts == job_type_defaults{}.max_attempts);
    CHECK(j.created_at == t0);
    CHECK(j.updated_at == t0);
    REQUIRE(j.history.size() == 1);
    CHECK(j.history[0].to == job_status::pending);
  }
}

// Property-style robustness tests: the JSON entry points of the model must
// turn any input (random, truncated, garbled, wrong-shaped, deeply nested)
// into a value or an error with a message, and never throw or crash.
//
// The inputs come from a seeded generator; the seed is printed with every
// failure and may be overridden with JOBFORGE_FUZZ_SEED to explore further.

#include "handlers/demo_types.hpp"
#include "model/job_codec.hpp"
#include "model/job_type_registry.hpp"
#include "model/json_text.hpp"
#include "model/payload_validator.hpp"
#include "model/random_source.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace jobforge;
namespace json = boost::json;

namespace {

constexpr std::size_t text_limit = 1 << 20;

std::uint64_t fuzz_seed() {
  if (const char* env = std::getenv("JOBFORGE_FUZZ_SEED")) return std::strtoull(env, nullptr, 0);
  return 0x10b'f0e6eULL;
}

std::size_t below(random_source& rng, std::size_t n) {
  return static_cast<std::size_t>(rng.next_u64() % n);
}

bool chance(random_source& rng, double p) {
  return rng.uniform01() < p;
}

// For failure messages: the input with control and non-ASCII bytes escaped.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

// A schema using most of draft 7: refs, combinators, conditionals, patterns.
const char* const test_schema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "definitions": {
    "address": {"type": "string", "minLength": 3, "maxLength": 254, "pattern": "^[^@ ]+@[^@ ]+$"},
    "attachment": {
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "size": {"type": "integer", "minimum": 0, "maximum": 10485760},
        "inline": {"type": "boolean"}
      },
      "required": ["name", "size"],
      "additionalProperties": false
    }
  },
  "properties": {
    "to": {"type": "array", "items": {"$ref": "#/definitions/address"}, "minItems": 1,
           "maxItems": 50, "uniqueItems": true},
    "cc": {"type": "array", "items": {"$ref": "#/definitions/address"}},
    "subject": {"type": "string", "maxLength": 200},
    "priority": {"enum": ["low", "normal", "high"]},
    "retries": {"type": "integer", "minimum": 0, "exclusiveMaximum": 10},
    "ratio": {"type": "number", "multipleOf": 0.25},
    "body": {"oneOf": [
      {"type": "string"},
      {"type": "object", "properties": {"html": {"type": "string"}, "text": {"type": "string"}},
       "minProperties": 1, "additionalProperties": false}
    ]},
    "attachments": {"type": "array", "items": {"$ref": "#/definitions/attachment"}, "maxItems": 5},
    "meta": {"type": "object", "propertyNames": {"pattern": "^[a-z_]+$"},
             "additionalProperties": {"type": ["string", "number", "boolean", "null"]}},
    "mode": {"const": "strict"},
    "tuple": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}],
              "additionalItems": false},
    "not_null": {"not": {"type": "null"}},
    "when": {"anyOf": [{"type": "string", "minLength": 20}, {"type": "integer", "minimum": 0}]}
  },
  "required": ["to", "subject"],
  "additionalProperties": false,
  "dependencies": {"cc": ["to"]},
  "if": {"properties": {"mode": {"const": "strict"}}, "required": ["mode"]},
  "then": {"required": ["body"]}
})";

const char* const valid_payload = R"({"to":["ada@example.com","bob@example.org"],
  "cc":["carol@example.net"],"subject":"Quarterly report","priority":"high","retries":3,
  "ratio":0.75,"body":{"text":"hello","html":"<p>hello</p>"},
  "attachments":[{"name":"a.txt","size":10,"inline":false}],"meta":{"k":"v","n":1,"z":null},
  "mode":"strict","tuple":["a",1],"not_null":[],"when":"2026-11-23T14:05:09.123Z"})";

// Valid documents of every shape the entry points take.
const std::vector<std::string>& valid_documents() {
  static const std::vector<std::string> docs = {
      R"({"id":"0f8fad5b-d9cb-469f-a165-70867728950e","type":"email.send",
"payload":{"to":"ada@example.com","n":[1,2.5,null,true]},"status":"retrying","priority":"high",
"attempts":2,"max_attempts":7,"retry":{"initial_backoff_ms":250,"max_backoff_ms":60000,
"multiplier":3.5,"jitter":0.125,"retry_on":["smtp_4xx","connection_refused"]},"timeout_ms":45000,
"run_at":"2026-11-23T14:00:00.001Z","depends_on":["7c9e6679-7425-40de-944b-e07fc1f90ae7",
"16fd2706-8baf-433b-82eb-8c7fada847da"],"dependency_mode":"any","on_dependency_failure":"run",
"unique_key":"welcome:42","unique_for_ms":3600000,"tenant":"acme","tags":["a","b"],
"progress":{"percent":42.5,"stage":"render","message":"m","updated_at":"2026-11-23T14:05:08.999Z",
"eta_ms":1500},"result":{"delivery":"deferred"},"last_error":{"code":"smtp_421","message":"later",
"kind":"transient"},"checkpoint":{"sent":3},"history":[{"at":"2026-11-23T14:00:00.000Z",
"from":null,"to":"scheduled","attempt":0,"error":null,"node":"","reason":""},
{"at":"2026-11-23T14:00:05.010Z","from":"running","to":"retrying","attempt":1,
"error":{"code":"timeout","message":"too slow","kind":"timeout"},"node":"node-a","reason":"r"}],
"created_at":"2026-11-23T14:00:00.000Z","updated_at":"2026-11-23T14:05:09.123Z",
"started_at":"2026-11-23T14:00:00.010Z","finished_at":null,"canceled_at":"2026-11-23T14:05:09.121Z",
"cancel_reason":"operator asked","canceled_by":"ops@acme"})",
      R"({"type":"fail","payload":{"times":2,"kind":"transient"},"priority":"critical",
"max_attempts":5,"retry":{"initial_backoff_ms":100,"max_backoff_ms":10000,"multiplier":1.5,
"jitter":0.5,"retry_on":["x"]},"timeout_ms":5000,"run_in_ms":1500,
"depends_on":["0f8fad5b-d9cb-469f-a165-70867728950e"],"dependency_mode":"all",
"on_dependency_failure":"cancel","unique_key":"k","unique_for_ms":60000,"tenant":"acme",
"tags":["t"]})",
      R"({"at":"2026-11-23T14:05:09.123+02:00","from":"pending","to":"running","attempt":3,
"error":{"code":"c","message":"m","kind":"crash"},"node":"n","reason":"why"})",
      R"({"error":{"code":"schema_violation","message":"payload does not match",
"details":{"violations":[{"path":"$.to","message":"required"}]}}})",
      valid_payload,
      R"({"times":2,"kind":"permanent","code":"deliberate"})",
      R"({"steps":10,"step_ms":100})",
      R"([1,-2.5e-3,"\u00fc\ud83d\ude00\n",true,false,null,{"a":[{}]}])",
  };
  return docs;
}

// Everything the fuzzed inputs are fed to.
struct targets {
  job_type_registry registry;
  std::optional<payload_validator> validator;
};

std::unique_ptr<targets> make_targets() {
  auto t = std::make_unique<targets>();
  auto registered = handlers::register_demo_types(t->registry);
  INFO((registered ? std::string("ok") : to_string(registered.error_value())));
  REQUIRE(registered);
  auto compiled = payload_validator::compile(json::parse(test_schema));
  INFO((compiled ? std::string("ok") : to_string(compiled.error_value())));
  REQUIRE(compiled);
  t->validator = *compiled;
  // The schema really is non-trivial: the sample passes, a wrong one fails.
  REQUIRE(t->validator->validate(json::parse(valid_payload)));
  auto refused = t->validator->validate(json::parse(R"({"to":[],"subject":1,"mode":"strict"})"));
  REQUIRE_FALSE(refused);
  REQUIRE(refused.error_value().code == error_code::schema_violation);
  REQUIRE(t->registry.parse_payload("fail", R"({"times":1})"));
  REQUIRE_FALSE(t->registry.parse_payload("fail", R"({"times":"1"})"));
  return t;
}

// Equal JSON values, but for doubles, which may differ in the last bits: Boost.JSON
// 1.81 does not parse decimal numbers correctly rounded, so a double can move by
// an ulp through serialise-and-parse.
bool same_json(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double();
    const double y = b.get_double();
    return x == y || std::fabs(x - y) <= 4 * std::numeric_limits<double>::epsilon() *
                                             std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (const auto* oa = a.if_object()) {
    const auto& ob = b.get_object();
    if (oa->size() != ob.size()) return false;
    for (const auto& kv : *oa) {
      const auto* other = ob.if_contains(kv.key());
      if (!other || !same_json(kv.value(), *other)) return false;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ab = b.get_array();
    if (aa->size() != ab.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i)
      if (!same_json((*aa)[i], ab[i])) return false;
    return true;
  }
  return a == b;
}

using problems = std::vector<std::string>;

// Records a problem unless `r` is a value or an error with a message and an allowed code.
template <class T>
bool well_formed(const char* what, const expected<T>& r, std::initializer_list<error_code> allowed,
                 problems& out) {
  if (r.has_value()) return true;
  const error& e = r.error_value();
  if (e.message.empty()) out.push_back(std::string(what) + ": an error without a message");
  bool known = false;
  for (auto code : allowed)
    known = known || code == e.code;
  if (!known) out.push_back(std::string(what) + ": unexpected error " + to_string(e));
  return false;
}

// A decoder error must be invalid_argument and name the path it is about.
template <class T>
void decoded_or_located(const char* what, const expected<T>& r, problems& out) {
  if (well_formed(what, r, {error_code::invalid_argument}, out)) return;
  const error& e = r.error_value();
  const auto* details = e.details.if_object();
  const auto* path = details ? details->if_contains("path") : nullptr;
  if (!path || !path->is_string() || path->as_string().empty() || path->as_string()[0] != '$') {
    out.push_back(std::string(what) + ": an error without a JSON path: " + to_string(e));
    return;
  }
  if (e.message.rfind(std::string(path->as_string()), 0) != 0)
    out.push_back(std::string(what) +
                  ": the message does not start with the path: " + to_string(e));
}

// Whatever a decoder accepts, it accepts again after encoding, unchanged.
template <class Decode>
void stable(const char* what, const json::value& encoded, Decode decode, problems& out) {
  auto again = decode(encoded);
  if (!again) {
    out.push_back(std::string(what) + ": its own encoding is refused: " +
                  to_string(again.error_value()) + " in " + json::serialize(encoded));
    return;
  }
  if (to_json(*again) != encoded)
    out.push_back(std::string(what) + ": encoding is not stable: " + json::serialize(encoded));
}

problems probe_value(const targets& t, const json::value& v) {
  problems out;
  auto j = job_from_json(v);
  decoded_or_located("job_from_json", j, out);
  if (j) stable("job", to_json(*j), job_from_json, out);

  auto q = job_request_from_json(v);
  decoded_or_located("job_request_from_json", q, out);
  if (q) stable("job_request", to_json(*q), job_request_from_json, out);

  auto h = history_entry_from_json(v);
  decoded_or_located("history_entry_from_json", h, out);
  if (h) stable("history_entry", to_json(*h), history_entry_from_json, out);

  auto r = error_from_envelope(v);
  decoded_or_located("error_from_envelope", r, out);
  if (r) {
    auto again = error_from_envelope(error_envelope(r->cause));
    if (!again || again->cause.code != r->cause.code || again->cause.message != r->cause.message ||
        again->cause.details != r->cause.details)
      out.push_back("error envelope: its own encoding does not decode to the same error");
  }

  decoded_or_located("job_progress_from_json", job_progress_from_json(v), out);
  decoded_or_located("job_error_from_json", job_error_from_json(v), out);
  decoded_or_located("retry_settings_from_json", retry_settings_from_json(v), out);

  well_formed("payload_validator::validate", t.validator->validate(v),
              {error_code::schema_violation}, out);
  for (const char* type : {"fail", "progress"})
    well_formed("job_type_registry::validate_payload", t.registry.validate_payload(type, v),
                {error_code::schema_violation, error_code::payload_too_large}, out);
  return out;
}

problems probe_text(const targets& t, const std::string& text) {
  problems out;
  auto parsed = parse_json(text, text_limit);
  // invalid_argument: a number out of range (a garbled exponent, 1e999).
  if (well_formed("parse_json", parsed, {error_code::invalid_json, error_code::invalid_argument},
                  out)) {
    // What parses once parses again from its own serialisation.
    auto again = parse_json(json::serialize(*parsed), text_limit);
    if (!again || !same_json(*again, *parsed))
      out.push_back("parse_json: serialisation does not round-trip");
    for (auto& p : probe_value(t, *parsed))
      out.push_back(std::move(p));
  }
  // A size limit is checked before the text is looked at.
  if (!text.empty()) {
    auto small = parse_json(text, text.size() - 1);
    if (well_formed("parse_json (limit)", small, {error_code::payload_too_large}, out))
      out.push_back("parse_json: accepted a text over its size limit");
  }
  for (const char* type : {"fail", "progress"}) {
    auto payload = t.registry.parse_payload(type, text);
    if (well_formed("job_type_registry::parse_payload", payload,
                    {error_code::invalid_json, error_code::invalid_argument,
                     error_code::schema_violation, error_code::payload_too_large},
                    out) &&
        !t.registry.validate_payload(type, *payload))
      out.push_back("parse_payload accepted a payload that validate_payload refuses");
  }
  return out;
}

void check_text(const targets& t, const std::string& text) {
  problems found;
  INFO("input (" << text.size() << " bytes): " << printable(text));
  CHECK_NOTHROW(found = probe_text(t, text));
  CHECK(found == problems{});
}

void check_value(const targets& t, const json::value& v) {
  problems found;
  INFO("value: " << printable(json::serialize(v)));
  CHECK_NOTHROW(found = probe_value(t, v));
  CHECK(found == problems{});
}

// --- generators --------------------------------------------------------------

const std::vector<std::string>& key_pool() {
  static const std::vector<std::string> keys = {
      // job, request and nested fields
      "id", "type", "payload", "status", "priority", "attempts", "max_attempts", "retry",
      "timeout_ms", "run_at", "run_in_ms", "depends_on", "dependency_mode", "on_dependency_failure",
      "unique_key", "unique_for_ms", "tenant", "tags", "progress", "result", "last_error",
      "checkpoint", "history", "created_at", "updated_at", "started_at", "finished_at",
      "canceled_at", "cancel_reason", "canceled_by", "initial_backoff_ms", "max_backoff_ms",
      "multiplier", "jitter", "retry_on", "percent", "stage", "message", "eta_ms", "at", "from",
      "to", "attempt", "error", "node", "reason", "code", "kind", "details",
      // payload fields of the test schema and the demo types
      "cc", "subject", "body", "attachments", "meta", "mode", "tuple", "not_null", "when",
      "retries", "ratio", "name", "size", "inline", "html", "text", "times", "steps", "step_ms",
      // oddities
      "", "bogus", "ID", "with space", "\xc3\xbc", "\"", "$", "a.b", "[0]"};
  return keys;
}

const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> strings = {"0f8fad5b-d9cb-469f-a165-70867728950e",
                                                   "0F8FAD5B-D9CB-469F-A165-70867728950E",
                                                   "0f8fad5b-d9cb-469f-a165-70867728950",
                                                   "0f8fad5bxd9cb-469f-a165-70867728950e",
                                                   "00000000-0000-0000-0000-000000000000",
                                                   "2026-11-23T14:05:09.123Z",
                                                   "2026-11-23T14:05:09Z",
                                                   "2024-02-29T23:59:59.999999999-05:30",
                                                   "2023-02-29T00:00:00Z",
                                                   "2026-11-23T24:00:00Z",
                                                   "1969-12-31T23:59:59.999Z",
                                                   "scheduled",
                                                   "blocked",
                                                   "pending",
                                                   "running",
                                                   "retrying",
                                                   "completed",
                                                   "failed",
                                                   "canceled",
                                                   "low",
                                                   "normal",
                                                   "high",
                                                   "critical",
                                                   "transient",
                                                   "permanent",
                                                   "timeout",
                                                   "crash",
                                                   "all",
                                                   "any",
                                                   "cancel",
                                                   "run",
                                                   "invalid_argument",
                                                   "not_found",
                                                   "internal",
                                                   "teapot",
                                                   "strict",
                                                   "ada@example.com",
                                                   "@",
                                                   "a@b",
                                                   "",
                                                   " ",
                                                   "null",
                                                   "true",
                                                   "0",
                                                   "-1",
                                                   "{}",
                                                   "[]",
                                                   "\xc3\xbc\xe2\x82\xac",
                                                   std::string("nul\0byte", 8),
                                                   "\xff\xfe invalid utf-8 \xc3",
                                                   std::string(300, 'x'),
                                                   "\\u0000",
                                                   "\n\t\r"};
  return strings;
}

std::string random_string(random_source& rng) {
  std::string s(below(rng, 12), ' ');
  for (auto& c : s)
    c = static_cast<char>(below(rng, 256));
  return s;
}

json::value random_number(random_source& rng) {
  switch (below(rng, 8)) {
    case 0:
      return static_cast<std::int64_t>(below(rng, 200)) - 100;
    case 1:
      return static_cast<std::int64_t>(rng.next_u64());
    case 2:
      return rng.next_u64();
    case 3:
      return INT64_MIN + static_cast<std::int64_t>(below(rng, 2));
    case 4:
      return static_cast<std::int64_t>(INT32_MAX) + static_cast<std::int64_t>(below(rng, 3)) - 1;
    case 5:
      return rng.uniform01() * 200 - 50;
    case 6:
      return (rng.uniform01() - 0.5) * 1e300;
    default:
      return static_cast<double>(below(rng, 100)) / 4;
  }
}

json::value random_value(random_source& rng, int depth) {
  switch (below(rng, depth > 0 ? 9 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return chance(rng, 0.5);
    case 2:
    case 3:
      return random_number(rng);
    case 4:
      return json::string(string_pool()[below(rng, string_pool().size())]);
    case 5:
      return json::string(random_string(rng));
    case 6:
    case 7: {
      json::object o;
      const std::size_t n = below(rng, 6);
      for (std::size_t i = 0; i < n; ++i) {
        const std::string key =
            chance(rng, 0.85) ? key_pool()[below(rng, key_pool().size())] : random_string(rng);
        o[key] = random_value(rng, depth - 1);
      }
      return o;
    }
    default: {
      json::array a;
      const std::size_t n = below(rng, 5);
      for (std::size_t i = 0; i < n; ++i)
        a.push_back(random_value(rng, depth - 1));
      return a;
    }
  }
}

// A random top-level object whose keys are mostly real field names.
json::value random_document(random_source& rng) {
  if (chance(rng, 0.15)) return random_value(rng, 4);
  json::object o;
  const std::size_t n = below(rng, 14);
  for (std::size_t i = 0; i < n; ++i)
    o[key_pool()[below(rng, key_pool().size())]] = random_value(rng, 3);
  return o;
}

// Every container slot of a value: the place a mutation may hit.
void collect_slots(json::value& v, std::vector<json::value*>& out) {
  out.push_back(&v);
  if (auto* o = v.if_object()) {
    for (auto& kv : *o)
      collect_slots(kv.value(), out);
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a)
      collect_slots(e, out);
  }
}

// Changes one thing in a valid document: a wrong-typed value, a removed or
// an added field.
void mutate(random_source& rng, json::value& root) {
  std::vector<json::value*> slots;
  collect_slots(root, slots);
  json::value& slot = *slots[below(rng, slots.size())];
  const std::size_t what = below(rng, 4);
  if (what == 0 || what == 1) {
    slot = random_value(rng, 2);
  } else if (auto* o = slot.if_object(); o && !o->empty() && what == 2) {
    o->erase(std::next(o->begin(), static_cast<std::ptrdiff_t>(below(rng, o->size()))));
  } else if (o) {
    (*o)[key_pool()[below(rng, key_pool().size())]] = random_value(rng, 2);
  } else if (auto* a = slot.if_array(); a && !a->empty()) {
    a->erase(a->begin() + static_cast<std::ptrdiff_t>(below(rng, a->size())));
  } else {
    slot = random_value(rng, 1);
  }
}

// Flips, inserts, deletes and duplicates bytes of a text.
std::string garble(random_source& rng, std::string s) {
  static const std::string structural = "{}[]:,\"\\ 0123456789.eE+-tfnul";
  const std::size_t ops = 1 + below(rng, 6);
  for (std::size_t k = 0; k < ops; ++k) {
    const std::size_t pos = s.empty() ? 0 : below(rng, s.size());
    switch (below(rng, 6)) {
      case 0:
        if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << below(rng, 8)));
        break;
      case 1:
        s.insert(pos, 1, structural[below(rng, structural.size())]);
        break;
      case 2:
        s.insert(pos, 1, static_cast<char>(below(rng, 256)));
        break;
      case 3:
        if (!s.empty()) s.erase(pos, 1 + below(rng, 4));
        break;
      case 4:
        if (!s.empty()) s.insert(pos, s.substr(below(rng, s.size()), below(rng, 16)));
        break;
      default:
        if (!s.empty()) s[pos] = structural[below(rng, structural.size())];
    }
  }
  return s;
}

}  // namespace

TEST_CASE("every prefix of valid documents is refused or accepted cleanly", "[fuzz]") {
  const auto t = make_targets();
  std::size_t inputs = 0;
  for (const auto& doc : valid_documents()) {
    // The documents themselves are valid JSON and at least one decoder takes each.
    auto whole = parse_json(doc, text_limit);
    INFO(doc);
    REQUIRE(whole);
    for (std::size_t n = 0; n <= doc.size(); ++n) {
      const std::string prefix = doc.substr(0, n);
      check_text(*t, prefix);
      // A strict prefix of an object or array text is never complete JSON.
      if (n < doc.size()) {
        auto parsed = parse_json(prefix, text_limit);
        INFO(printable(prefix));
        CHECK_FALSE(parsed);
        if (!parsed) CHECK(parsed.error_value().code == error_code::invalid_json);
      }
      ++inputs;
    }
  }
  CHECK(inputs > 2000);
  // The documents decode as what they are.
  const auto& docs = valid_documents();
  CHECK(job_from_json(json::parse(docs[0])));
  CHECK(job_request_from_json(json::parse(docs[1])));
  CHECK(history_entry_from_json(json::parse(docs[2])));
  CHECK(error_from_envelope(json::parse(docs[3])));
  CHECK(t->validator->validate(json::parse(docs[4])));
  CHECK(t->registry.parse_payload("fail", docs[5]));
  CHECK(t->registry.parse_payload("progress", docs[6]));
}

TEST_CASE("garbled documents give values or errors, never exceptions", "[fuzz]") {
  const std::uint64_t seed = fuzz_seed();
  CAPTURE(seed);
  auto rng = make_seeded_random(seed);
  const auto t = make_targets();
  const auto& docs = valid_documents();
  std::size_t refused = 0;
  for (int i = 0; i < 4000; ++i) {
    CAPTURE(i);
    const std::string text = garble(*rng, docs[below(*rng, docs.size())]);
    check_text(*t, text);
    if (!parse_json(text, text_limit)) ++refused;
  }
  // Garbling must mostly produce broken JSON, or this test tests little.
  CHECK(refused > 1000);
}

TEST_CASE("random byte strings give values or errors, never exceptions", "[fuzz]") {
  const std::uint64_t seed = fuzz_seed() + 1;
  CAPTURE(seed);
  auto rng = make_seeded_random(seed);
  const auto t = make_targets();
  static const std::string alphabet = "{}[]:,\"\\ \t\n0123456789.eE+-truefalsnl";
  for (int i = 0; i < 2000; ++i) {
    CAPTURE(i);
    std::string text(below(*rng, 64), ' ');
    const bool any_byte = chance(*rng, 0.3);
    for (auto& c : text)
      c = any_byte ? static_cast<char>(below(*rng, 256)) : alphabet[below(*rng, alphabet.size())];
    check_text(*t, text);
  }
}

TEST_CASE("random JSON trees with real field names give values or errors", "[fuzz]") {
  const std::uint64_t seed = fuzz_seed() + 2;
  CAPTURE(seed);
  auto rng = make_seeded_random(seed);
  const auto t = make_targets();
  for (int i = 0; i < 3000; ++i) {
    CAPTURE(i);
    const json::value v = random_document(*rng);
    check_value(*t, v);
    if (i % 4 == 0) check_text(*t, json::serialize(v));
  }
}

TEST_CASE("valid documents with one field changed give values or errors", "[fuzz]") {
  const std::uint64_t seed = fuzz_seed() + 3;
  CAPTURE(seed);
  auto rng = make_seeded_random(seed);
  const auto t = make_targets();
  const auto& docs = valid_documents();
  std::size_t still_jobs = 0;
  std::size_t broken_jobs = 0;
  for (int i = 0; i < 3000; ++i) {
    CAPTURE(i);
    const std::size_t which = below(*rng, 4);  // the job, request, history entry, envelope
    json::value v = json::parse(docs[which]);
    const std::size_t mutations = 1 + below(*rng, 3);
    for (std::size_t k = 0; k < mutations; ++k)
      mutate(*rng, v);
    check_value(*t, v);
    if (i % 8 == 0) check_text(*t, json::serialize(v));
    if (which == 0) (job_from_json(v) ? still_jobs : broken_jobs) += 1;
  }
  // Both outcomes must be common, or the mutations are too tame or too wild.
  CHECK(still_jobs > 50);
  CHECK(broken_jobs > 50);
}

TEST_CASE("deeply nested input is refused, not a crash", "[fuzz]") {
  const auto t = make_targets();
  const std::size_t depth = 10'000;
  const std::vector<std::string> deep = {
      std::string(depth, '['),
      std::string(depth, '[') + std::string(depth, ']'),
      [&] {
        std::string s;
        for (std::size_t i = 0; i < depth; ++i)
          s += "{\"a\":";
        s += "1";
        s += std::string(depth, '}');
        return s;
      }(),
      "{\"payload\":" + std::string(depth, '[') + std::string(depth, ']') + "}",
      std::string(1'000'000, '['),
  };
  for (const auto& text : deep) {
    INFO("input of " << text.size() << " bytes starting " << text.substr(0, 20));
    expected<json::value> parsed = error{};
    REQUIRE_NOTHROW(parsed = parse_json(text, 2 * text.size()));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error_value().code == error_code::invalid_json);
    CHECK_FALSE(parsed.error_value().message.empty());
    for (const char* type : {"fail", "progress", "echo"}) {
      expected<json::value> payload = error{};
      REQUIRE_NOTHROW(payload = t->registry.parse_payload(type, text));
      REQUIRE_FALSE(payload);
      CHECK_FALSE(payload.error_value().message.empty());
    }
  }
  // Moderate nesting is fine.
  const std::string moderate = std::string(32, '[') + std::string(32, ']');
  CHECK(parse_json(moderate, text_limit));
  CHECK(t->registry.parse_payload("echo", moderate));
  // Deep values built in memory (not parsed) are handled without a crash as well.
  json::value v = json::array{};
  for (int i = 0; i < 200; ++i)
    v = json::array{std::move(v)};
  check_value(*t, v);
  json::object as_payload{{"type", "echo"}, {"payload", v}};
  auto request = job_request_from_json(as_payload);
  REQUIRE(request);
  CHECK(request->payload == v);
}

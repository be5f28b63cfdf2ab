// Schemas valijson would crash on are refused as invalid: references that
// lead back to themselves without stepping into the instance (a stack
// overflow) and a multipleOf of 0 (a division by zero). Inputs found by
// tests/fuzz/payload_validator_fuzzer.cpp, kept in
// tests/fuzz/corpus/payload_validator/crash_*.
#include "model/payload_validator.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace jobforge;
namespace json = boost::json;

namespace {

/// The compile error's message, or "" when `schema` compiles.
std::string compile_error(const char* schema) {
  auto v = payload_validator::compile(json::parse(schema));
  if (v) return "";
  CHECK(v.error_value().code == error_code::invalid_schema);
  return v.error_value().message;
}

}  // namespace

TEST_CASE("a schema whose $ref loops back through references only is invalid", "[validator]") {
  CHECK_THAT(compile_error(R"({"$ref": "#"})"), Catch::Contains("loops back to itself"));
  CHECK_THAT(compile_error(R"({"$ref": "#/definitions/a", "definitions":
      {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}})"),
             Catch::Contains("loops back to itself"));
}

TEST_CASE("a schema that applies itself in place (allOf, not, if) is invalid", "[validator]") {
  CHECK_THAT(compile_error(R"({"allOf": [{"$ref": "#"}]})"), Catch::Contains("$ref \"#\""));
  CHECK_THAT(compile_error(R"({"items": {"$ref": "#"}, "anyOf": [{"$ref": "#/items"}]})"),
             Catch::Contains("loops back to itself"));
  CHECK_THAT(compile_error(R"({"not": {"if": {"$ref": "#/not"}}})"),
             Catch::Contains("loops back to itself"));
  CHECK_THAT(compile_error(R"({"dependencies": {"a": {"$ref": "#"}}})"),
             Catch::Contains("loops back to itself"));
}

TEST_CASE("a $ref must point at something in the schema itself", "[validator]") {
  CHECK_THAT(compile_error(R"({"$ref": "+/definitions/node", "definitions": {"node": {}}})"),
             Catch::Contains("is not a JSON Pointer into this schema"));
  CHECK_THAT(compile_error(R"({"$ref": "other.json"})"),
             Catch::Contains("is not a JSON Pointer into this schema"));
  CHECK_THAT(compile_error(R"({"$ref": "#/definitions/missing"})"),
             Catch::Contains("does not point at anything"));
}

TEST_CASE("a $ref that is not a pointer is refused, also where the loop search meets it first",
          "[validator]") {
  // The fuzzer's input: the loop search followed "" before its check did.
  CHECK_THAT(compile_error(R"({"allOf": [{"$ref": ""}]})"),
             Catch::Contains("is not a JSON Pointer into this schema"));
  CHECK_THAT(compile_error(R"({"anyOf": [{"$ref": "x"}]})"),
             Catch::Contains("is not a JSON Pointer into this schema"));
  CHECK_THAT(compile_error(R"({"not": {"$ref": "#a"}})"),
             Catch::Contains("is not a JSON Pointer into this schema"));
}

TEST_CASE("a pattern naming a back-reference past 999 is refused", "[validator]") {
  // The fuzzer's input made the standard library's regex parser overflow.
  CHECK_THAT(compile_error(R"({"patternProperties": {"^x|\\7777777777777777777": {}}})"),
             Catch::Contains("back-reference"));
  CHECK_THAT(compile_error(R"({"pattern": "(a)\\12345"})"), Catch::Contains("back-reference"));
  // An escaped backslash before digits is no back-reference; small ones are fine.
  CHECK(compile_error(R"({"pattern": "\\\\12345"})").empty());
  CHECK(compile_error(R"({"pattern": "(a)(b)\\2"})").empty());
}

TEST_CASE("a recursive schema that steps into the instance still validates", "[validator]") {
  auto v = payload_validator::compile(json::parse(R"({
    "definitions": {"node": {"type": "object", "properties": {
      "next": {"$ref": "#/definitions/node"}, "v": {"type": "number"}}}},
    "$ref": "#/definitions/node"})"));
  REQUIRE(v);
  CHECK(v->validate(json::parse(R"({"v": 1, "next": {"v": 2, "next": {}}})")));
  auto bad = v->validate(json::parse(R"({"v": 1, "next": {"v": "x"}})"));
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error_value().message, Catch::Contains("$.next.v"));
  // Pointers with escapes and array indexes resolve; "$ref" inside a value is data.
  CHECK(compile_error(R"({"definitions": {"a/b": {"anyOf": [{"type": "string"}]}},
      "properties": {"x": {"$ref": "#/definitions/a~1b/anyOf/0"}},
      "enum": [{"$ref": "#"}], "default": {"$ref": 7}})")
            .empty());
}

TEST_CASE("multipleOf must be a number above 0", "[validator]") {
  CHECK_THAT(compile_error(R"({"properties": {"n": {"type": "integer", "multipleOf": 0}}})"),
             Catch::Contains("multipleOf must be a number greater than 0"));
  CHECK_THAT(compile_error(R"({"multipleOf": -2})"), Catch::Contains("multipleOf"));
  CHECK_THAT(compile_error(R"({"multipleOf": "2"})"), Catch::Contains("multipleOf"));
  auto v =
      payload_validator::compile(json::parse(R"({"multipleOf": 2, "default": {"multipleOf": 0}})"));
  REQUIRE(v);
  CHECK(v->validate(json::parse("4")));
  CHECK_FALSE(v->validate(json::parse("5")));
}

// tests/fuzz/corpus/payload_validator/crash_multiple_of_huge_double: valijson
// cast the value to a 64-bit integer for an integer divisor, which is
// undefined behaviour for 1e300 or infinity and let 2.5 pass for 2.
TEST_CASE("an integer multipleOf checks any number without casting it to an integer",
          "[validator]") {
  auto v = payload_validator::compile(json::parse(
      R"({"properties": {"n": {"multipleOf": 2}, "e": {"enum": [{"multipleOf": 3}]}}})"));
  REQUIRE(v);
  CHECK(v->validate(json::parse(R"({"n": 4})")));
  CHECK(v->validate(json::parse(R"({"n": 4.0})")));
  CHECK(v->validate(json::parse(R"({"n": -6})")));
  CHECK_FALSE(v->validate(json::parse(R"({"n": 5})")));
  CHECK_FALSE(v->validate(json::parse(R"({"n": 2.5})")));
  CHECK(v->validate(json::parse(R"({"n": 1e300})")));             // an even number
  CHECK(v->validate(json::parse(R"({"n": 9007199254740992})")));  // 2^53, as an integer
  // The registry refuses a payload that is not finite before validating it;
  // here only no undefined behaviour (the sanitizer build runs this).
  json::object inf;
  inf["n"] = std::numeric_limits<double>::infinity();
  static_cast<void>(v->validate(inf));
  // The values of enum are data: left as they are.
  CHECK(v->validate(json::parse(R"({"e": {"multipleOf": 3}})")));
}

// tests/fuzz/corpus/payload_validator/hang_stacked_quantifier: std::regex
// reads "*+" as a repetition of a repetition and backtracked for seconds on
// a short string; ECMAScript refuses such a pattern, and so does RE2 (and
// the backtracking engine's guard, for a pattern with a lookaround).
TEST_CASE("a pattern that repeats a repetition is invalid", "[validator]") {
  for (const char* pattern : {"^[^a]*+x", "a+*", "a{2}{3}", "a???", "(ab)*+", "a+?*", "x{1,}+"}) {
    INFO(pattern);
    json::object schema{{"type", "string"}, {"pattern", pattern}};
    auto v = payload_validator::compile(schema);
    REQUIRE_FALSE(v);
    CHECK(v.error_value().code == error_code::invalid_schema);
    CHECK_THAT(v.error_value().message, Catch::Contains("repetition"));
    auto with_lookahead =
        payload_validator::compile(json::object{{"pattern", std::string("(?=x)") + pattern}});
    REQUIRE_FALSE(with_lookahead);
    CHECK_THAT(with_lookahead.error_value().message, Catch::Contains("repeats a repetition"));
    json::object properties{{"type", "object"},
                            {"patternProperties", json::object{{pattern, json::object{}}}}};
    CHECK_FALSE(payload_validator::compile(properties));
  }
  // Lazy quantifiers, groups, classes, escapes and literal braces are fine.
  for (const char* pattern : {"^a+?b*?c??d{2,3}?$", "(?:ab)+(?=c)(?!d)", "[*+?]+", "\\*+", "a{,2}+",
                              "^[a-z]{3}-\\d+$", "[\\]*]+x", "x{2}y*z+"}) {
    INFO(pattern);
    auto v = payload_validator::compile(json::object{{"type", "string"}, {"pattern", pattern}});
    CHECK(v);
  }
  auto strict = payload_validator::compile(json::parse(R"({"pattern": "^a+?b$"})"));
  REQUIRE(strict);
  CHECK(strict->validate(json::parse(R"("aaab")")));
  CHECK_FALSE(strict->validate(json::parse(R"("b")")));
}

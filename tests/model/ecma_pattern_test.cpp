// JSON Schema patterns: ECMAScript syntax, matched by RE2 in linear time
// where RE2 can express the pattern, by std::regex only where it needs a
// lookaround or back-reference.
#include "model/ecma_pattern.hpp"
#include "model/payload_validator.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>

using namespace jobforge;
namespace json = boost::json;

namespace {

ecma_pattern compiled(const char* source) {
  auto p = ecma_pattern::compile(source);
  INFO(source << ": " << (p ? std::string() : p.error_value().message));
  REQUIRE(p);
  return std::move(p).value();
}

}  // namespace

// With std::regex each of these took time exponential in the text: 40
// characters held a thread for minutes. The test would time out.
TEST_CASE("nested repetition is matched in linear time", "[validator][pattern]") {
  const std::string hostile = std::string(40'000, 'a') + "!";
  for (const char* source : {"^(a+)+$", "^(a|aa)+$", "^(a*)*b", "(\\w+\\s?)+$", "^(a|a?)+$"}) {
    const auto p = compiled(source);
    CHECK(p.linear());
    CHECK_FALSE(p.search(hostile));
  }
  CHECK(compiled("^(a+)+$").search(std::string(40'000, 'a')));
}

TEST_CASE("a pattern matches anywhere in the text, as JSON Schema's pattern does",
          "[validator][pattern]") {
  const auto p = compiled("b+");
  CHECK(p.search("abbbc"));
  CHECK_FALSE(p.search("ac"));
  CHECK(compiled("^ab$").search("ab"));
  CHECK_FALSE(compiled("^ab$").search("ab\n"));
  CHECK_FALSE(compiled("a.c").search("a\nc"));
}

TEST_CASE("ECMAScript spellings RE2 writes otherwise are translated", "[validator][pattern]") {
  CHECK(ecma_to_re2_syntax("\\u00e9+") == "\\x{00e9}+");
  CHECK(ecma_to_re2_syntax("(?<year>\\d{4})") == "(?P<year>\\d{4})");
  CHECK(ecma_to_re2_syntax("[(?<]") == "[(?<]");          // in a class: literals
  CHECK(ecma_to_re2_syntax("\\\\u0041") == "\\\\u0041");  // an escaped backslash, then "u0041"
  CHECK(compiled("^\\u00e9+$").search("\xc3\xa9\xc3\xa9"));
  CHECK(compiled("^(?<year>\\d{4})-\\d{2}$").search("2026-12"));
  // `[]` matches nothing and `[^]` anything, a line break too.
  CHECK_FALSE(compiled("a[]").search("a]"));
  CHECK(compiled("^a[^]b$").search("a\nb"));
  CHECK_FALSE(compiled("^a[^]b$").search("ab"));
}

TEST_CASE("a pattern counts characters, not bytes", "[validator][pattern]") {
  CHECK(compiled("^.{3}$").search("\xc3\xa4\xc3\xb6\xc3\xbc"));  // "äöü"
  CHECK(compiled("^[\\u00e0-\\u00ff]+$").search("\xc3\xa4\xc3\xb6"));
}

TEST_CASE("lookarounds and back-references keep the backtracking engine", "[validator][pattern]") {
  const auto password = compiled("^(?=.*\\d)(?!.*\\s).{8,}$");
  CHECK_FALSE(password.linear());
  CHECK(password.search("secret42!"));
  CHECK_FALSE(password.search("secret!!!"));
  CHECK_FALSE(password.search("secret 42"));
  const auto twice = compiled("^(\\w)\\1$");
  CHECK_FALSE(twice.linear());
  CHECK(twice.search("zz"));
  CHECK_FALSE(twice.search("zy"));
}

// std::regex makes a state of each repetition: x{77777} took a second to
// compile (found by the fuzzer). Both engines count to 1,000 at most.
TEST_CASE("a repetition past 1,000 is refused by either engine", "[validator][pattern]") {
  for (const char* source : {"^(a)\\1{1001}$", "(?=a)a{2,77777}", "(?=a)a{77777,}", "x{1001}"}) {
    INFO(source);
    auto p = ecma_pattern::compile(source);
    REQUIRE_FALSE(p);
    CHECK(p.error_value().code == error_code::invalid_schema);
  }
  CHECK_THAT(ecma_pattern::compile("(?=a)a{2,77777}").error_value().message,
             Catch::Contains("more than 1000 times"));
  const auto most = compiled("^(a)\\1{1000}$");
  CHECK_FALSE(most.linear());
  CHECK(most.search(std::string(1001, 'a')));
  // Braces in a class, and escaped ones, are no quantifiers.
  CHECK(compiled("(?=.)[{9999}]").search("}"));
  CHECK(compiled("(?=.)\\{9999\\}").search("{9999}"));
}

TEST_CASE("a lookbehind is refused: neither engine has one", "[validator][pattern]") {
  auto p = ecma_pattern::compile("(?<=a)b");
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error_value().message, Catch::Contains("(?<=a)b"));
}

TEST_CASE("a pattern neither engine takes is refused, saying why", "[validator][pattern]") {
  for (const char* source : {"(", "a)", "[z-a]", "a{2}{3}", "a**", "\\", "(?P=x)"}) {
    INFO(source);
    auto p = ecma_pattern::compile(source);
    REQUIRE_FALSE(p);
    CHECK(p.error_value().code == error_code::invalid_schema);
    CHECK_THAT(p.error_value().message, Catch::Contains(std::string("\"") + source + "\""));
  }
  // A repetition too large to compile within RE2's memory budget.
  CHECK_FALSE(ecma_pattern::compile("((a{1000}){1000}){1000}"));
}

TEST_CASE("the validator matches pattern, patternProperties and propertyNames with the engine",
          "[validator][pattern]") {
  auto v = payload_validator::compile(json::parse(R"({
    "type": "object",
    "properties": {"word": {"type": "string", "pattern": "^(\\w+\\s?)+$"}},
    "patternProperties": {"^(x+)+$": {"type": "integer"}},
    "propertyNames": {"pattern": "^(w|x|o|r|d)+$"},
    "additionalProperties": false
  })"));
  REQUIRE(v);
  CHECK(v->validate(json::parse(R"({"word": "hello world", "xxx": 3})")));
  // Each of these took std::regex exponential time.
  json::object hostile_value{{"word", std::string(40, 'a') + "!"}};
  auto bad_value = v->validate(hostile_value);
  REQUIRE_FALSE(bad_value);
  CHECK_THAT(bad_value.error_value().message, Catch::Contains("$.word"));
  json::object hostile_name{{std::string(40, 'x') + "y", 1}};
  auto bad_name = v->validate(hostile_name);
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error_value().code == error_code::schema_violation);
  // A member matched by patternProperties is checked against its schema.
  auto wrong_type = v->validate(json::parse(R"({"xx": "not an integer"})"));
  REQUIRE_FALSE(wrong_type);
  CHECK_THAT(wrong_type.error_value().message, Catch::Contains("$.xx"));
}

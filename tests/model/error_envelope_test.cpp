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

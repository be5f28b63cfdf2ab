// Numbers read exactly (model/exact_json_parse.hpp): Boost.JSON 1.81 reads
// some decimal texts one or more bits off, so a number drifted each time it
// was stored and read. The input of
// tests/fuzz/corpus/wire_format/crash_double_drift_checkpoint, found by the
// wire_format fuzzer, drifted on every trip.
#include "model/exact_json_parse.hpp"
#include "model/json_text.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

using namespace jobforge;
namespace json = boost::json;

namespace {

json::value parse_exactly(const std::string& text) {
  json::error_code ec;
  auto v = parse_json_exactly(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

}  // namespace

TEST_CASE("exact parse: written numbers read back as the same double, every time", "[json]") {
  for (const char* text : {"99999999900000000000014682311580885778746", "9.99E56", "0.1", "1e-300",
                           "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
                           "123456789012345678901234567890", "-0.0", "3.141592653589793"}) {
    INFO(text);
    const double first = parse_exactly(text).as_double();
    std::string written = json::serialize(json::value(first));
    for (int trip = 0; trip < 5; ++trip) {
      const json::value again = parse_exactly(written);
      REQUIRE(again.is_double());
      CHECK(again.as_double() == first);
      CHECK(std::signbit(again.as_double()) == std::signbit(first));
      written = json::serialize(again);
    }
  }
}

TEST_CASE("exact parse: the nearest double, where Boost.JSON 1.81 is off", "[json]") {
  // The compiler reads a literal correctly rounded: the double to expect.
  const double nearest = 99999999900000000000014682311580885778746.0;
  CHECK(nearest == 9.99999999e40);
  CHECK(parse_exactly("99999999900000000000014682311580885778746").as_double() == nearest);
  CHECK(json::serialize(json::value(nearest)) == "9.99999999E40");
  CHECK(parse_exactly("9.99999999E40").as_double() == nearest);
  // The bug worked around: Boost.JSON's own parse is off, and its text
  // drifts further at every trip.
  json::error_code ec;
  const double boost_read =
      json::parse("99999999900000000000014682311580885778746", ec).as_double();
  CHECK(boost_read != nearest);
  CHECK(parse_exactly(json::serialize(json::value(boost_read))).as_double() == boost_read);
}

TEST_CASE("exact parse: the rest is Boost.JSON's parse", "[json]") {
  const auto v = parse_exactly(R"({"a": [1, -2, 18446744073709551615, 2.5, true, null, "s\u00e9"],
                                   "b": {"": 1e2}})");
  CHECK(v == json::parse(R"({"a": [1, -2, 18446744073709551615, 2.5, true, null, "s\u00e9"],
                             "b": {"": 100.0}})"));
  CHECK(v.at("a").at(0).is_int64());
  CHECK(v.at("a").at(2).is_uint64());
  for (const char* bad : {"", "{", "[1,]", "1 2", "{\"a\" 1}", "nul", "01", "1.", "\"\\x\""}) {
    INFO(bad);
    json::error_code ec;
    CHECK(parse_json_exactly(bad, ec).is_null());
    CHECK(ec);
  }
  CHECK_THROWS(parse_json_exactly("[1"));
}

TEST_CASE("exact parse: a number out of range is still refused as not finite", "[json]") {
  CHECK(std::isinf(parse_exactly("1e400").as_double()));
  CHECK(parse_exactly("1e-400").as_double() == 0.0);
  auto refused = parse_json("{\"n\": -1e400}", 1 << 20);
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().code == error_code::invalid_argument);
  CHECK(refused.error_value().message.find("/n") != std::string::npos);
}

TEST_CASE("exact parse: depth and size limits hold", "[json]") {
  auto deep = parse_json(std::string(65, '[') + std::string(65, ']'), 1 << 20);
  REQUIRE_FALSE(deep);
  CHECK(deep.error_value().code == error_code::invalid_json);
  CHECK(parse_json(std::string(64, '[') + std::string(64, ']'), 1 << 20));
}

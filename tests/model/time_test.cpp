#include "model/time.hpp"
#include "model/random_source.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

using namespace jobforge;

namespace {

// Instants of the years 0001..9999, the range a four-digit RFC 3339 year covers.
constexpr std::int64_t min_ms = -62'135'596'800'000;  // 0001-01-01T00:00:00.000Z
constexpr std::int64_t max_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// What the shape of our output must be: "YYYY-MM-DDTHH:MM:SS.mmmZ".
bool has_canonical_shape(const std::string& s) {
  if (s.size() != 24) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (i) {
      case 4:
      case 7:
        if (c != '-') return false;
        break;
      case 10:
        if (c != 'T') return false;
        break;
      case 13:
      case 16:
        if (c != ':') return false;
        break;
      case 19:
        if (c != '.') return false;
        break;
      case 23:
        if (c != 'Z') return false;
        break;
      default:
        if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

// An independent oracle: the C library's gmtime_r on the whole seconds.
std::string format_with_libc(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem));
  return buf;
}

std::optional<std::int64_t> parsed_ms(const std::string& text) {
  auto t = parse_rfc3339(text);
  if (!t) return std::nullopt;
  return to_unix_ms(*t);
}

}  // namespace

TEST_CASE("known instants format and parse as RFC 3339 UTC with milliseconds", "[time]") {
  struct known {
    std::int64_t ms;
    const char* text;
  };
  const known cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {1'795'442'709'123, "2026-11-23T14:05:09.123Z"},   // the SPEC §8 example
      {1'709'210'096'789, "2024-02-29T12:34:56.789Z"},   // leap day
      {946'684'800'000, "2000-01-01T00:00:00.000Z"},     // year 2000
      {951'868'799'999, "2000-02-29T23:59:59.999Z"},     // 2000 is a leap year
      {-1, "1969-12-31T23:59:59.999Z"},                  // one millisecond before the epoch
      {-14'182'940'000, "1969-07-20T20:17:40.000Z"},     // before 1970
      {-2'208'988'800'000, "1900-01-01T00:00:00.000Z"},  // before 1970, 1900 not leap
      {-2'208'988'799'001, "1900-01-01T00:00:00.999Z"},  // negative with milliseconds
      {min_ms, "0001-01-01T00:00:00.000Z"},
      {max_ms, "9999-12-31T23:59:59.999Z"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(format_rfc3339(from_unix_ms(c.ms)) == c.text);
    CHECK(parsed_ms(c.text) == c.ms);
  }
}

TEST_CASE("numeric offsets are converted to UTC", "[time]") {
  const std::int64_t expected = 1'709'210'096'789;  // 2024-02-29T12:34:56.789Z
  CHECK(parsed_ms("2024-02-29T14:34:56.789+02:00") == expected);
  CHECK(parsed_ms("2024-02-29T07:04:56.789-05:30") == expected);
  CHECK(parsed_ms("2024-02-29T12:34:56.789+00:00") == expected);
  CHECK(parsed_ms("2024-02-29T12:34:56.789-00:00") == expected);
  // Offsets that move the instant across a day, month and year boundary.
  CHECK(parsed_ms("2024-03-01T01:00:00+02:00") == parsed_ms("2024-02-29T23:00:00Z"));
  CHECK(parsed_ms("2023-12-31T20:30:00-05:30") == parsed_ms("2024-01-01T02:00:00Z"));
  CHECK(parsed_ms("1970-01-01T00:59:59.999+01:00") == -1);
  // The formatted form of an offset time is always UTC.
  auto t = parse_rfc3339("2024-02-29T07:04:56.789-05:30");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2024-02-29T12:34:56.789Z");
  // Lower-case separators are allowed by RFC 3339.
  CHECK(parsed_ms("2024-02-29t12:34:56.789z") == expected);
}

TEST_CASE("fractional seconds of 1 to 9 digits keep millisecond precision", "[time]") {
  const std::int64_t base = 1'709'210'096'000;  // 2024-02-29T12:34:56Z
  CHECK(parsed_ms("2024-02-29T12:34:56Z") == base);
  CHECK(parsed_ms("2024-02-29T12:34:56.1Z") == base + 100);
  CHECK(parsed_ms("2024-02-29T12:34:56.12Z") == base + 120);
  CHECK(parsed_ms("2024-02-29T12:34:56.123Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.1234Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.12345Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.123456Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.1234567Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.12345678Z") == base + 123);
  CHECK(parsed_ms("2024-02-29T12:34:56.123456789Z") == base + 123);
  // Digits below a millisecond are dropped, never rounded into the next second.
  CHECK(parsed_ms("2024-02-29T12:34:56.999999999Z") == base + 999);
  CHECK(parsed_ms("2024-02-29T12:34:56.0009Z") == base);
  CHECK(parsed_ms("2024-02-29T12:34:56.05+02:00") == base + 50 - 2 * 3'600'000);
  CHECK(parsed_ms("1969-12-31T23:59:59.9999Z") == -1);
}

TEST_CASE("malformed or impossible times are rejected", "[time]") {
  const char* rejected[] = {
      "",
      "2023-02-29T00:00:00Z",  // 2023 is not a leap year
      "1900-02-29T00:00:00Z",  // nor is 1900
      "2024-02-30T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-13-01T00:00:00Z",  // month 13
      "2024-00-10T00:00:00Z",  // month 0
      "2024-01-00T00:00:00Z",  // day 0
      "2024-01-32T00:00:00Z",
      "2024-01-01T24:00:00Z",  // hour 24
      "2024-01-01T23:60:00Z",
      "2024-01-01T12:00:00",  // missing zone
      "2024-01-01T12:00:00.123",
      "2024-01-01T12:00:00Zjunk",  // trailing junk
      "2024-01-01T12:00:00.123Z ",
      "2024-01-01T12:00:00+02:00x",
      "2024-01-01T12:00:00.Z",  // a dot without digits
      "2024-01-01T12:00:00+0200",
      "2024-01-01T12:00:00+02",
      "2024-01-01T12:00:00+24:00",
      "2024-01-01T12:00:00+02:60",
      "2024-01-01 12:00:00Z",
      "2024-01-01",
      "24-01-01T12:00:00Z",
      "2024-1-01T12:00:00Z",
      "2024-01-01T12:00Z",
      "+2024-01-01T12:00:00Z",
      "2024/01/01T12:00:00Z",
      "2024-01-01T12:00:00.12a3Z",
      "１９７０-01-01T00:00:00Z",
      "not a time",
  };
  for (const char* text : rejected) {
    INFO("\"" << text << "\"");
    CHECK_FALSE(parse_rfc3339(text));
  }
  // Every strict prefix of a valid time is incomplete.
  const std::string valid = "2024-02-29T14:34:56.789+02:00";
  REQUIRE(parse_rfc3339(valid));
  for (std::size_t n = 0; n < valid.size(); ++n) {
    INFO(valid.substr(0, n));
    CHECK_FALSE(parse_rfc3339(valid.substr(0, n)));
  }
}

TEST_CASE("random millisecond instants round-trip and match the C library", "[time]") {
  const std::uint64_t seed = 0x71AE'5EEDULL;
  CAPTURE(seed);
  auto rng = make_seeded_random(seed);
  const auto span = static_cast<std::uint64_t>(max_ms - min_ms) + 1;
  for (int i = 0; i < 20'000; ++i) {
    // Alternate between the full 0001..9999 range and the years around now.
    const std::int64_t ms =
        i % 2 == 0
            ? min_ms + static_cast<std::int64_t>(rng->next_u64() % span)
            : -4'000'000'000'000 + static_cast<std::int64_t>(rng->next_u64() % 8'000'000'000'000);
    const std::string text = format_rfc3339(from_unix_ms(ms));
    INFO(ms << " -> " << text);
    REQUIRE(has_canonical_shape(text));
    REQUIRE(text == format_with_libc(ms));
    REQUIRE(parsed_ms(text) == ms);
  }
}

TEST_CASE("any time that parses formats to a time that parses back to it", "[time]") {
  // Offsets at the edges of the four-digit year range move the instant out of it.
  const char* edges[] = {
      "0000-01-01T00:00:00+01:00",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59-01:00",
      "9999-12-31T23:59:59.999Z",
  };
  for (const char* text : edges) {
    INFO(text);
    auto t = parse_rfc3339(text);
    if (!t) continue;  // refusing it is fine too
    const std::string formatted = format_rfc3339(*t);
    INFO("formatted as " << formatted);
    CHECK(has_canonical_shape(formatted));
    CHECK(parse_rfc3339(formatted) == t);
  }
}

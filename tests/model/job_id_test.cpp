#include "model/job_id.hpp"

#include "constant_random.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>

using namespace jobforge;
using jobforge::test::constant_random;

namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/// Canonical lowercase 8-4-4-4-12 with version 4 and the RFC 4122 variant.
void check_v4_text(const std::string& text) {
  INFO(text);
  REQUIRE(text.size() == 36);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      REQUIRE(text[i] == '-');
    else
      REQUIRE(is_lower_hex(text[i]));
  }
  REQUIRE(text[14] == '4');
  REQUIRE(std::string("89ab").find(text[19]) != std::string::npos);
}

const std::string sample = "0f8fad5b-d9cb-469f-a165-70867728950e";

}  // namespace

TEST_CASE("generated ids are canonical version-4 UUIDs", "[job_id]") {
  auto rng = make_seeded_random(42);
  std::set<char> variant_chars;
  std::set<char> first_chars;
  for (int i = 0; i < 10'000; ++i) {
    const auto id = job_id::generate(*rng);
    const auto text = to_string(id);
    check_v4_text(text);
    CHECK_FALSE(id.is_nil());
    CHECK((id.bytes()[6] >> 4) == 4);
    CHECK((id.bytes()[8] & 0xC0) == 0x80);
    variant_chars.insert(text[19]);
    first_chars.insert(text[0]);
  }
  // Only the version and variant bits are fixed; the rest stay random.
  CHECK(variant_chars == std::set<char>{'8', '9', 'a', 'b'});
  CHECK(first_chars.size() == 16);
}

TEST_CASE("generate fixes exactly the version and variant bits", "[job_id]") {
  constant_random zeros(0);
  constant_random ones(~std::uint64_t{0});
  CHECK(to_string(job_id::generate(zeros)) == "00000000-0000-4000-8000-000000000000");
  CHECK(to_string(job_id::generate(ones)) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

TEST_CASE("job ids round-trip through their text form", "[job_id]") {
  auto rng = make_seeded_random(7);
  for (int i = 0; i < 1'000; ++i) {
    const auto id = job_id::generate(*rng);
    const auto parsed = job_id::parse(to_string(id));
    REQUIRE(parsed);
    CHECK(*parsed == id);
    CHECK(to_string(*parsed) == to_string(id));
    CHECK(job_id::from_bytes(id.bytes()) == id);
  }
  const auto parsed = job_id::parse(sample);
  REQUIRE(parsed);
  CHECK(to_string(*parsed) == sample);
  const std::array<std::uint8_t, 16> expected_bytes = {0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb,
                                                       0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86,
                                                       0x77, 0x28, 0x95, 0x0e};
  CHECK(parsed->bytes() == expected_bytes);
  CHECK(to_string(job_id::from_bytes(expected_bytes)) == sample);
}

TEST_CASE("parse accepts uppercase and renders lowercase", "[job_id]") {
  std::string upper = sample;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(upper == "0F8FAD5B-D9CB-469F-A165-70867728950E");
  const auto parsed = job_id::parse(upper);
  REQUIRE(parsed);
  CHECK(to_string(*parsed) == sample);
  CHECK(*parsed == *job_id::parse(sample));
  const auto mixed = job_id::parse("0F8fAd5B-d9Cb-469F-a165-70867728950E");
  REQUIRE(mixed);
  CHECK(*mixed == *parsed);
}

TEST_CASE("parse rejects malformed text", "[job_id]") {
  const std::string bad[] = {
      "",
      "0f8fad5b-d9cb-469f-a165-70867728950",    // 35 chars
      "0f8fad5b-d9cb-469f-a165-70867728950e0",  // 37 chars
      "0f8fad5bd9cb469fa16570867728950e",       // no dashes (32 chars)
      "{0f8fad5b-d9cb-469f-a165-70867728950e}",
      " 0f8fad5b-d9cb-469f-a165-70867728950e",
      "0f8fad5b-d9cb-469f-a165-70867728950e ",
      "0f8fad5g-d9cb-469f-a165-70867728950e",  // 'g'
      "0f8fad5b-d9cb-469f-a165-7086772895ze",  // 'z'
      "0f8fad5b-d9cb-469f-a165-70867728950 ",  // space
      "0f8fad5b-d9cb-469f-a1 5-70867728950e",
      "0x8fad5b-d9cb-469f-a165-70867728950e",
      "0f8fad5b-d9cb-469f-a165+70867728950e",
      "0f8fad5bd-9cb-469f-a165-70867728950e",  // dash moved right
      "0f8fad5-bd9cb-469f-a165-70867728950e",  // dash moved left
      "0f8fad5b-d9cb4-69f-a165-70867728950e",
      "0f8fad5b-d9cb-469fa-165-70867728950e",
      "0f8fad5b-d9cb-469f-a1657-0867728950e",
      "0f8fad5b0d9cb0469f0a165070867728950e",  // zeros where the dashes go
      "------------------------------------",
      "0f8fad5b-d9cb-469f-a165-70867728950-",
      "-f8fad5b-d9cb-469f-a165-70867728950e",
  };
  for (const auto& text : bad) {
    INFO("'" << text << "'");
    CHECK_FALSE(job_id::parse(text));
  }
  // Non-ASCII bytes in a hex position.
  std::string high = sample;
  high[0] = static_cast<char>(0xC3);
  CHECK_FALSE(job_id::parse(high));
  std::string nul = sample;
  nul[5] = '\0';
  CHECK_FALSE(job_id::parse(nul));
}

TEST_CASE("100000 system-random ids are all distinct", "[job_id]") {
  auto rng = make_system_random();
  std::unordered_set<job_id> seen;
  std::unordered_set<std::string> texts;
  seen.reserve(100'000);
  texts.reserve(100'000);
  for (int i = 0; i < 100'000; ++i) {
    const auto id = job_id::generate(*rng);
    CHECK(seen.insert(id).second);
    const auto text = to_string(id);
    CHECK(texts.insert(text).second);
    if (i % 1'000 == 0) check_v4_text(text);
  }
  CHECK(seen.size() == 100'000);
}

TEST_CASE("the nil id", "[job_id]") {
  const job_id nil;
  CHECK(nil.is_nil());
  CHECK(to_string(nil) == "00000000-0000-0000-0000-000000000000");
  const auto parsed = job_id::parse("00000000-0000-0000-0000-000000000000");
  REQUIRE(parsed);
  CHECK(parsed->is_nil());
  CHECK(*parsed == nil);
  CHECK(job_id::from_bytes({}) == nil);
  std::array<std::uint8_t, 16> one{};
  one[15] = 1;
  CHECK_FALSE(job_id::from_bytes(one).is_nil());
  CHECK(job_id::from_bytes(one) != nil);
  CHECK(nil < job_id::from_bytes(one));
}

TEST_CASE("time-ordered ids of one millisecond spread over the low bits of their hash",
          "[job_id]") {
  // Tables with power-of-two bucket counts (the ready queue, the memory
  // store) pick a bucket by the hash's low bits.
  auto rng = make_seeded_random(11);
  const timestamp t{std::chrono::milliseconds{1'765'000'000'000}};
  constexpr std::size_t ids = 1 << 16;
  constexpr std::size_t buckets = 1 << 17;
  std::unordered_set<std::size_t> used;
  for (std::size_t i = 0; i < ids; ++i)
    used.insert(std::hash<job_id>{}(job_id::generate_time_ordered(*rng, t)) & (buckets - 1));
  // Uniform hashing fills buckets * (1 - e^-0.5), about 51,570 of them.
  CHECK(used.size() > 50'000);
}

TEST_CASE("job ids hash and compare as values", "[job_id]") {
  auto rng = make_seeded_random(3);
  const auto a = job_id::generate(*rng);
  const auto b = job_id::generate(*rng);
  REQUIRE(a != b);
  const auto a_again = *job_id::parse(to_string(a));
  CHECK(a == a_again);
  CHECK(std::hash<job_id>{}(a) == std::hash<job_id>{}(a_again));
  CHECK((a < b) != (b < a));
  CHECK_FALSE(a < a_again);

  std::unordered_set<job_id> set{a, b, a_again};
  CHECK(set.size() == 2);
  CHECK(set.count(a_again) == 1);
  CHECK(set.count(job_id{}) == 0);
  set.insert(job_id{});
  CHECK(set.count(job_id{}) == 1);
  CHECK(set.size() == 3);
  set.erase(a_again);
  CHECK(set.count(a) == 0);
  CHECK(set.size() == 2);
}

TEST_CASE("time-ordered ids are version-7 UUIDs that carry their millisecond", "[job_id]") {
  auto rng = make_seeded_random(7);
  const timestamp at = *parse_rfc3339("2026-12-06T03:04:05.678Z");
  std::set<char> variant_chars;
  for (int i = 0; i < 1'000; ++i) {
    const auto id = job_id::generate_time_ordered(*rng, at);
    const auto text = to_string(id);
    INFO(text);
    CHECK(id.version() == 7);
    CHECK(text[14] == '7');
    CHECK((id.bytes()[8] & 0xC0) == 0x80);
    variant_chars.insert(text[19]);
    std::int64_t ms = 0;
    for (int b = 0; b < 6; ++b)
      ms = (ms << 8) | id.bytes()[b];
    CHECK(ms == to_unix_ms(at));
    CHECK(*job_id::parse(text) == id);
  }
  CHECK(variant_chars == std::set<char>{'8', '9', 'a', 'b'});
  // RFC 9562's layout: the time in the first 12 hex digits, big-endian.
  constant_random zeros{0};
  CHECK(to_string(job_id::generate_time_ordered(zeros, from_unix_ms(0x0123456789AB))) ==
        "01234567-89ab-7000-8000-000000000000");
}

TEST_CASE("time-ordered ids sort by their millisecond, whatever their random bits", "[job_id]") {
  auto rng = make_seeded_random(8);
  const timestamp start = *parse_rfc3339("2026-01-01T00:00:00Z");
  job_id previous = job_id::generate_time_ordered(*rng, start);
  for (int i = 1; i < 20'000; ++i) {
    const auto id = job_id::generate_time_ordered(*rng, start + milliseconds{i});
    REQUIRE(previous < id);
    previous = id;
  }
  // Within one millisecond both orders occur: nothing but the time is ordered.
  int ascending = 0;
  for (int i = 0; i < 200; ++i) {
    const auto a = job_id::generate_time_ordered(*rng, start),
               b = job_id::generate_time_ordered(*rng, start);
    ascending += a < b ? 1 : 0;
  }
  CHECK(ascending > 50);
  CHECK(ascending < 150);
}

TEST_CASE("a time outside the 48 bits of a version-7 id is clamped, not wrapped", "[job_id]") {
  constant_random ones{~std::uint64_t{0}};
  CHECK(to_string(job_id::generate_time_ordered(ones, from_unix_ms(-1))) ==
        "00000000-0000-7fff-bfff-ffffffffffff");
  CHECK(to_string(job_id::generate_time_ordered(ones, max_timestamp)) ==
        "e677d21f-dbff-7fff-bfff-ffffffffffff");
  const auto beyond = job_id::generate_time_ordered(ones, from_unix_ms(std::int64_t{1} << 50));
  CHECK(to_string(beyond) == "ffffffff-ffff-7fff-bfff-ffffffffffff");
}

#include "model/next_fire.hpp"

#include "utc_instant.hpp"
#include "zones/iana_zone.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace jobforge;

namespace {

using test::utc;

std::shared_ptr<const zone_rules> zone(const std::string& name) {
  auto z = find_iana_zone(name);
  INFO(name);
  REQUIRE(z);
  return *z;
}

// The first `n` fire times after `after`, as RFC 3339 UTC.
std::vector<std::string> fires(const std::string& expr, const std::string& zone_name,
                               const std::string& after, int n) {
  auto e = cron_expression::parse(expr);
  INFO(expr);
  REQUIRE(e);
  const auto z = zone(zone_name);
  std::vector<std::string> out;
  std::optional<timestamp> t = utc(after);
  for (int i = 0; i < n; ++i) {
    t = next_fire_time(*e, *z, *t);
    REQUIRE(t);
    out.push_back(format_rfc3339(*t));
  }
  return out;
}

using list = std::vector<std::string>;

}  // namespace

TEST_CASE("next fire: tricky calendar cases in UTC", "[cron]") {
  // Feb 29: 2028 is the next leap year after 2027; 2100 is not a leap year.
  CHECK(fires("0 0 29 2 *", "UTC", "2027-01-01T00:00:00Z", 2) ==
        list{"2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"});
  CHECK(fires("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1) == list{"2104-02-29T00:00:00.000Z"});
  // The 31st skips the months that have 30 days (and February).
  CHECK(fires("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", 4) ==
        list{"2026-03-31T00:00:00.000Z", "2026-05-31T00:00:00.000Z", "2026-07-31T00:00:00.000Z",
             "2026-08-31T00:00:00.000Z"});
  // Day-of-month OR day-of-week: Fridays and the 13th (2026-12-13 is a Sunday).
  CHECK(fires("0 12 13 * 5", "UTC", "2026-12-01T00:00:00Z", 4) ==
        list{"2026-12-04T12:00:00.000Z", "2026-12-11T12:00:00.000Z", "2026-12-13T12:00:00.000Z",
             "2026-12-18T12:00:00.000Z"});
  // `*/2` starts with `*`: odd days AND Mondays.
  CHECK(fires("0 0 */2 * 1", "UTC", "2026-11-01T00:00:00Z", 2) ==
        list{"2026-11-09T00:00:00.000Z", "2026-11-23T00:00:00.000Z"});
  // `*/n` restarts at each hour; a range with a step stays inside it.
  CHECK(fires("*/25 * * * *", "UTC", "2026-01-01T00:40:00Z", 4) ==
        list{"2026-01-01T00:50:00.000Z", "2026-01-01T01:00:00.000Z", "2026-01-01T01:25:00.000Z",
             "2026-01-01T01:50:00.000Z"});
  CHECK(fires("0 9-17/4 * * *", "UTC", "2026-01-01T10:00:00Z", 4) ==
        list{"2026-01-01T13:00:00.000Z", "2026-01-01T17:00:00.000Z", "2026-01-02T09:00:00.000Z",
             "2026-01-02T13:00:00.000Z"});
  // Year end; seconds; names.
  CHECK(fires("@yearly", "UTC", "2026-12-31T23:59:59.999Z", 1) == list{"2027-01-01T00:00:00.000Z"});
  CHECK(fires("*/20 * * * * *", "UTC", "2026-01-01T00:00:59.5Z", 3) ==
        list{"2026-01-01T00:01:00.000Z", "2026-01-01T00:01:20.000Z", "2026-01-01T00:01:40.000Z"});
  CHECK(fires("0 0 * * SAT", "UTC", "2026-12-31T00:00:00Z", 1) == list{"2027-01-02T00:00:00.000Z"});
}

TEST_CASE("next fire: strictly after `after`, even at a fire time or within its second", "[cron]") {
  CHECK(fires("0 * * * *", "UTC", "2026-01-01T10:00:00Z", 1) == list{"2026-01-01T11:00:00.000Z"});
  CHECK(fires("0 * * * *", "UTC", "2026-01-01T09:59:59.999Z", 1) ==
        list{"2026-01-01T10:00:00.000Z"});
  CHECK(fires("0 * * * *", "UTC", "2026-01-01T10:00:00.001Z", 1) ==
        list{"2026-01-01T11:00:00.000Z"});
  CHECK(fires("* * * * * *", "UTC", "2026-01-01T10:00:00.500Z", 1) ==
        list{"2026-01-01T10:00:01.000Z"});
}

TEST_CASE("next fire: local time of the zone, including fractional offsets", "[cron]") {
  CHECK(fires("0 9 * * *", "Asia/Kolkata", "2026-06-01T00:00:00Z", 1) ==
        list{"2026-06-01T03:30:00.000Z"});
  CHECK(fires("0 9 * * *", "America/New_York", "2026-01-15T00:00:00Z", 1) ==
        list{"2026-01-15T14:00:00.000Z"});
  CHECK(fires("0 9 * * *", "America/New_York", "2026-07-15T00:00:00Z", 1) ==
        list{"2026-07-15T13:00:00.000Z"});
  // The day is the local one: Monday 00:30 in Tokyo is Sunday in UTC.
  CHECK(fires("30 0 * * MON", "Asia/Tokyo", "2026-11-01T00:00:00Z", 1) ==
        list{"2026-11-01T15:30:00.000Z"});
}

TEST_CASE("next fire: a local time in a spring-forward gap fires once, when the gap ends",
          "[cron][dst]") {
  // New York, 2027-03-14: 02:00 EST jumps to 03:00 EDT (07:00Z).
  CHECK(fires("30 2 * * *", "America/New_York", "2027-03-14T05:00:00Z", 2) ==
        list{"2027-03-14T07:00:00.000Z", "2027-03-15T06:30:00.000Z"});
  // Every match in the skipped hour fires once, together.
  CHECK(fires("*/15 2 * * *", "America/New_York", "2027-03-14T05:00:00Z", 2) ==
        list{"2027-03-14T07:00:00.000Z", "2027-03-15T06:00:00.000Z"});
  // Hourly fires every real hour: 01:00 EST, 03:00 EDT, 04:00 EDT.
  CHECK(fires("0 * * * *", "America/New_York", "2027-03-14T05:30:00Z", 3) ==
        list{"2027-03-14T06:00:00.000Z", "2027-03-14T07:00:00.000Z", "2027-03-14T08:00:00.000Z"});
  // Berlin, 2027-03-28: 02:00 CET jumps to 03:00 CEST (01:00Z).
  CHECK(fires("30 2 * * *", "Europe/Berlin", "2027-03-27T23:00:00Z", 2) ==
        list{"2027-03-28T01:00:00.000Z", "2027-03-29T00:30:00.000Z"});
  // A fire time already past the gap's end is not repeated.
  CHECK(fires("30 2 * * *", "Europe/Berlin", "2027-03-28T01:00:00Z", 1) ==
        list{"2027-03-29T00:30:00.000Z"});
  // Samoa skipped 2011-12-30 whole (-10 to +14 at 10:00Z): its noon fires
  // once, at the first instant of 2011-12-31, then noon again.
  CHECK(fires("0 12 * * *", "Pacific/Apia", "2011-12-29T23:00:00Z", 2) ==
        list{"2011-12-30T10:00:00.000Z", "2011-12-30T22:00:00.000Z"});
  // Lord Howe Island moves by 30 minutes: 02:00 +10:30 jumps to 02:30 +11 (15:30Z).
  CHECK(fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T14:00:00Z", 2) ==
        list{"2026-10-03T15:30:00.000Z", "2026-10-04T15:15:00.000Z"});
}

TEST_CASE("next fire: a local time in a fall-back overlap fires once, at its first occurrence",
          "[cron][dst]") {
  // New York, 2027-11-07: 02:00 EDT falls back to 01:00 EST (06:00Z); 01:30
  // happens at 05:30Z and again at 06:30Z.
  CHECK(fires("30 1 * * *", "America/New_York", "2027-11-07T04:00:00Z", 2) ==
        list{"2027-11-07T05:30:00.000Z", "2027-11-08T06:30:00.000Z"});
  // Berlin, 2027-10-31: 03:00 CEST falls back to 02:00 CET (01:00Z).
  CHECK(fires("30 2 * * *", "Europe/Berlin", "2027-10-30T22:00:00Z", 2) ==
        list{"2027-10-31T00:30:00.000Z", "2027-11-01T01:30:00.000Z"});
  // Starting inside the second occurrence does not fire it either.
  CHECK(fires("30 2 * * *", "Europe/Berlin", "2027-10-31T01:10:00Z", 1) ==
        list{"2027-11-01T01:30:00.000Z"});
}

TEST_CASE("next fire: a wildcard minute or hour follows the clock through the overlap",
          "[cron][dst]") {
  // Hourly fires every real hour: 01:00 EDT, 01:00 EST, 02:00 EST.
  CHECK(fires("0 * * * *", "America/New_York", "2027-11-07T04:30:00Z", 3) ==
        list{"2027-11-07T05:00:00.000Z", "2027-11-07T06:00:00.000Z", "2027-11-07T07:00:00.000Z"});
  CHECK(fires("@hourly", "Europe/Berlin", "2027-10-30T23:30:00Z", 3) ==
        list{"2027-10-31T00:00:00.000Z", "2027-10-31T01:00:00.000Z", "2027-10-31T02:00:00.000Z"});
  // Every 30 minutes in the 2 o'clock hour, in both of its occurrences.
  CHECK(fires("*/30 2 * * *", "Europe/Berlin", "2027-10-30T23:50:00Z", 5) ==
        list{"2027-10-31T00:00:00.000Z", "2027-10-31T00:30:00.000Z", "2027-10-31T01:00:00.000Z",
             "2027-10-31T01:30:00.000Z", "2027-11-01T01:00:00.000Z"});
}

TEST_CASE("next fire: nothing after max_timestamp", "[cron]") {
  auto e = cron_expression::parse("0 0 1 1 *");
  REQUIRE(e);
  const auto z = zone("UTC");
  CHECK(next_fire_time(*e, *z, utc("9999-01-01T00:00:00Z")) == std::nullopt);
  CHECK(next_fire_time(*e, *z, utc("9998-06-01T00:00:00Z")) == utc("9999-01-01T00:00:00Z"));
}

TEST_CASE("zones: an unknown zone is a clear error", "[cron]") {
  auto z = find_iana_zone("Mars/Olympus_Mons");
  REQUIRE_FALSE(z);
  CHECK(z.error_value().code == error_code::invalid_argument);
  CHECK(z.error_value().message ==
        "unknown time zone 'Mars/Olympus_Mons' (expected an IANA name such as Europe/Berlin or "
        "UTC)");
  CHECK_FALSE(find_iana_zone(""));
  CHECK_FALSE(find_iana_zone("../../etc/passwd"));
  REQUIRE(find_iana_zone("Europe/Berlin"));
  CHECK((*find_iana_zone("Europe/Berlin"))->name() == "Europe/Berlin");
}

#include "model/cron_expression.hpp"

#include "model/civil_date.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace jobforge;

namespace {

cron_expression parse_ok(const std::string& text) {
  auto e = cron_expression::parse(text);
  INFO(text);
  REQUIRE(e);
  return std::move(e).value();
}

std::string parse_error(const std::string& text) {
  auto e = cron_expression::parse(text);
  INFO(text);
  REQUIRE_FALSE(e);
  CHECK(e.error_value().code == error_code::invalid_argument);
  return e.error_value().message;
}

civil_time at(std::int64_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0,
              unsigned s = 0) {
  civil_time c;
  c.year = y;
  c.month = mo;
  c.day = d;
  c.weekday = weekday_from_days(days_from_civil(y, mo, d));
  c.hour = h;
  c.minute = mi;
  c.second = s;
  return c;
}

// The minutes of hour 0 on 2026-01-01 that `text` matches.
std::vector<unsigned> matching_minutes(const std::string& text) {
  const cron_expression e = parse_ok(text);
  std::vector<unsigned> out;
  for (unsigned m = 0; m < 60; ++m)
    if (e.matches(at(2026, 1, 1, 0, m))) out.push_back(m);
  return out;
}

}  // namespace

TEST_CASE("cron: lists, ranges and steps expand as cron does", "[cron]") {
  using v = std::vector<unsigned>;
  CHECK(matching_minutes("*/15 * * * *") == v{0, 15, 30, 45});
  CHECK(matching_minutes("5-20/5 * * * *") == v{5, 10, 15, 20});
  CHECK(matching_minutes("10/20 * * * *") == v{10, 30, 50});
  CHECK(matching_minutes("1,2,58-59 * * * *") == v{1, 2, 58, 59});
  CHECK(matching_minutes("0-59/60 * * * *") == v{0});
  CHECK(matching_minutes("7 * * * *") == v{7});
  CHECK(matching_minutes("*/7,59 * * * *") == v{0, 7, 14, 21, 28, 35, 42, 49, 56, 59});
}

TEST_CASE("cron: month and weekday names, any case, and 7 as Sunday", "[cron]") {
  // 2026-03-01 is a Sunday.
  for (const char* text : {"0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * SUN", "0 0 * * Sun",
                           "0 0 * * 5-7", "0 0 * * FRI-SUN"}) {
    const cron_expression e = parse_ok(text);
    INFO(text);
    CHECK(e.matches(at(2026, 3, 1)));
    CHECK_FALSE(e.matches(at(2026, 3, 4)));  // Wednesday
  }
  const cron_expression q1 = parse_ok("0 0 1 jan-MAR *");
  CHECK(q1.matches(at(2026, 3, 1)));
  CHECK_FALSE(q1.matches(at(2026, 4, 1)));
  const cron_expression weekdays = parse_ok("0 9 * * MON-FRI");
  CHECK(weekdays.matches(at(2026, 3, 2, 9)));
  CHECK_FALSE(weekdays.matches(at(2026, 3, 7, 9)));  // Saturday
}

TEST_CASE("cron: named schedules equal their five-field forms", "[cron]") {
  struct row {
    const char* name;
    const char* fields;
  };
  for (const row r :
       {row{"@yearly", "0 0 1 1 *"}, row{"@annually", "0 0 1 1 *"}, row{"@monthly", "0 0 1 * *"},
        row{"@weekly", "0 0 * * 0"}, row{"@daily", "0 0 * * *"}, row{"@midnight", "0 0 * * *"},
        row{"@hourly", "0 * * * *"}, row{"@HOURLY", "0 * * * *"}}) {
    const cron_expression named = parse_ok(r.name);
    const cron_expression fields = parse_ok(r.fields);
    CHECK(named.text() == r.name);
    CHECK(named.is_wildcard_time() == fields.is_wildcard_time());
    // Every hour of the first 40 days of 2026 agrees.
    for (unsigned d = 1; d <= 40; ++d)
      for (unsigned h = 0; h < 24; ++h) {
        const civil_time c = d <= 31 ? at(2026, 1, d, h) : at(2026, 2, d - 31, h);
        INFO(r.name << " day " << d << " hour " << h);
        CHECK(named.matches(c) == fields.matches(c));
      }
  }
}

TEST_CASE("cron: six fields put seconds first, and five fields fire at second 0", "[cron]") {
  const cron_expression six = parse_ok("*/20 30 12 * * *");
  CHECK(six.matches(at(2026, 5, 5, 12, 30, 0)));
  CHECK(six.matches(at(2026, 5, 5, 12, 30, 40)));
  CHECK_FALSE(six.matches(at(2026, 5, 5, 12, 30, 10)));
  const cron_expression five = parse_ok("30 12 * * *");
  CHECK(five.matches(at(2026, 5, 5, 12, 30, 0)));
  CHECK_FALSE(five.matches(at(2026, 5, 5, 12, 30, 1)));
}

TEST_CASE("cron: day-of-month OR day-of-week when both are restricted", "[cron]") {
  // 2026-11-13 is a Friday; 2026-11-06 a Friday; 2026-12-13 a Sunday.
  const cron_expression e = parse_ok("0 12 13 * FRI");
  CHECK(e.matches(at(2026, 11, 6, 12)));
  CHECK(e.matches(at(2026, 11, 13, 12)));
  CHECK(e.matches(at(2026, 12, 13, 12)));
  CHECK_FALSE(e.matches(at(2026, 11, 14, 12)));
  // A field starting with `*` is unrestricted by Vixie cron's rule: then
  // both must match (odd days that are Mondays).
  const cron_expression both = parse_ok("0 0 */2 * MON");
  CHECK(both.matches(at(2026, 11, 9)));
  CHECK_FALSE(both.matches(at(2026, 11, 2)));  // a Monday, but even
  CHECK_FALSE(both.matches(at(2026, 11, 3)));  // odd, but a Tuesday
  const cron_expression either = parse_ok("0 0 1-31/2 * MON");
  CHECK(either.matches(at(2026, 11, 2)));
  CHECK(either.matches(at(2026, 11, 3)));
  // `?` counts as unrestricted, as in Quartz.
  CHECK(parse_ok("0 0 ? * MON").matches(at(2026, 11, 2)));
  CHECK_FALSE(parse_ok("0 0 ? * MON").matches(at(2026, 11, 3)));
}

TEST_CASE("cron: a day that a month does not have never matches", "[cron]") {
  const cron_expression e = parse_ok("0 0 31 * *");
  CHECK(e.matches(at(2026, 1, 31)));
  const cron_expression leap = parse_ok("0 0 29 2 *");
  CHECK(leap.matches(at(2028, 2, 29)));
  CHECK_FALSE(leap.matches(at(2028, 3, 1)));
}

TEST_CASE("cron: errors name the field and the bad token", "[cron]") {
  struct row {
    const char* text;
    const char* message;
  };
  for (const row r : {
           row{"61 * * * *", "minute: 61 is out of range 0-59"},
           row{"* 24 * * *", "hour: 24 is out of range 0-23"},
           row{"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
           row{"* * 32 * *", "day-of-month: 32 is out of range 1-31"},
           row{"* * * 13 *", "month: 13 is out of range 1-12"},
           row{"* * * * 8", "day-of-week: 8 is out of range 0-7"},
           row{"60 * * * * *", "second: 60 is out of range 0-59"},
           row{"* * * FOO *", "month: 'FOO' is not a number or a name (JAN-DEC)"},
           row{"* * * * MONDAY", "day-of-week: 'MONDAY' is not a number or a name (SUN-SAT)"},
           row{"x * * * *", "minute: 'x' is not a number"},
           row{"*/0 * * * *", "minute: step 0 in '*/0' is out of range 1-60"},
           row{"*/61 * * * *", "minute: step 61 in '*/61' is out of range 1-60"},
           row{"*/x * * * *", "minute: step 'x' in '*/x' is not a number"},
           row{"* * * * FRI-MON", "day-of-week: range 'FRI-MON' goes backwards"},
           row{"1,,2 * * * *", "minute: an empty list item"},
           row{"5- * * * *", "minute: a value is missing"},
           row{"99999999999 * * * *", "minute: 99999999999 is out of range 0-59"},
           row{"* * * *",
               "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
               "(seconds first), got 4"},
           row{"",
               "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
               "(seconds first), got 0"},
           row{"* * * * * * *",
               "expected 5 fields (minute hour day-of-month month day-of-week) "
               "or 6 (seconds first), got 7"},
           row{"@reboot",
               "unknown name '@reboot' (expected @yearly, @annually, @monthly, "
               "@weekly, @daily, @midnight or @hourly)"},
       }) {
    CHECK(parse_error(r.text) == r.message);
  }
}

TEST_CASE("cron: an expression that can never fire is refused", "[cron]") {
  CHECK(parse_error("0 0 30 2 *") ==
        "day-of-month: 30 never occurs in month 2, so the expression never fires");
  CHECK(parse_error("0 0 31 APR,JUN,SEP,NOV *") ==
        "day-of-month: 31 never occurs in months APR,JUN,SEP,NOV, so the expression never "
        "fires");
  CHECK(parse_error("0 0 30-31 2 */2").find("never fires") != std::string::npos);
  // Feb 29 and a 31st in some allowed month do occur; with both day fields
  // restricted the weekday alone can match.
  CHECK(cron_expression::parse("0 0 29 2 *"));
  CHECK(cron_expression::parse("0 0 31 2,3 *"));
  CHECK(cron_expression::parse("0 0 30 2 MON"));
}

TEST_CASE("cron: is_wildcard_time follows the minute and hour fields", "[cron]") {
  CHECK(parse_ok("0 * * * *").is_wildcard_time());
  CHECK(parse_ok("*/5 1 * * *").is_wildcard_time());
  CHECK(parse_ok("@hourly").is_wildcard_time());
  CHECK_FALSE(parse_ok("30 1 * * *").is_wildcard_time());
  CHECK_FALSE(parse_ok("@daily").is_wildcard_time());
  CHECK_FALSE(parse_ok("* 30 1 * * *").is_wildcard_time());  // seconds do not count
}

TEST_CASE("cron: first_match finds the first matching local second in a range", "[cron]") {
  const auto local = [](std::int64_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0) {
    return local_seconds{
        std::chrono::seconds{days_from_civil(y, mo, d) * 86'400 + h * 3600 + mi * 60}};
  };
  const cron_expression e = parse_ok("0 0 29 2 *");
  CHECK(e.first_match(local(2027, 1, 1), local(2030, 1, 1)) == local(2028, 2, 29));
  CHECK_FALSE(e.first_match(local(2028, 3, 1), local(2032, 1, 1)));
  CHECK(e.first_match(local(2028, 2, 29), local(2028, 3, 1)) == local(2028, 2, 29));  // inclusive
  CHECK_FALSE(e.first_match(local(2028, 2, 28), local(2028, 2, 29)));  // `until` exclusive
  CHECK(parse_ok("15 10 * * *").first_match(local(2026, 1, 1, 10, 16), local(2026, 2, 1)) ==
        local(2026, 1, 2, 10, 15));
}

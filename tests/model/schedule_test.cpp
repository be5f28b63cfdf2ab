#include "model/schedule.hpp"

#include "utc_instant.hpp"
#include "zones/iana_zone.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace jobforge;

namespace {

using test::utc;

schedule_definition definition(std::string cron = "0 * * * *") {
  schedule_definition s;
  s.name = "nightly-report";
  s.cron = std::move(cron);
  s.job.type = "report.generate";
  s.job.payload = boost::json::object{{"kind", "daily"}};
  return s;
}

std::vector<std::string> texts(const std::vector<timestamp>& ts) {
  std::vector<std::string> out;
  for (timestamp t : ts)
    out.push_back(format_rfc3339(t));
  return out;
}

std::string validation_error(const schedule_definition& s) {
  auto e = validate_schedule(s);
  REQUIRE_FALSE(e);
  CHECK(e.error_value().code == error_code::invalid_argument);
  return e.error_value().message;
}

using list = std::vector<std::string>;

}  // namespace

TEST_CASE("schedule: validation names the schedule and what is wrong", "[schedule]") {
  CHECK(validate_schedule(definition()));
  auto s = definition();
  s.name = "Nightly";
  CHECK(validation_error(s) == "schedule name 'Nightly' must match [a-z0-9][a-z0-9._-]{0,63}");
  s.name = "";
  CHECK(validation_error(s) == "schedule name '' must match [a-z0-9][a-z0-9._-]{0,63}");
  s.name = std::string(65, 'a');
  CHECK_FALSE(validate_schedule(s));
  s = definition();
  s.job.type.clear();
  CHECK(validation_error(s) == "schedule 'nightly-report': type is missing");
  s = definition("61 * * * *");
  CHECK(validation_error(s) ==
        "schedule 'nightly-report': cron '61 * * * *': minute: 61 is out of range 0-59");
  s = definition();
  s.catch_up_cap = 0;
  CHECK(validation_error(s) == "schedule 'nightly-report': catch_up_cap must be within 1..1000");
  s.catch_up_cap = 1001;
  CHECK_FALSE(validate_schedule(s));
  s = definition();
  s.job.run_in_ms = 5;
  CHECK(validation_error(s) ==
        "schedule 'nightly-report': a scheduled job cannot have run_at or run_in_ms");
  s = definition();
  s.job.dependencies.depends_on.push_back(job_id{});
  CHECK(validation_error(s) ==
        "schedule 'nightly-report': a scheduled job cannot depend on other jobs");
  // Options a recurring job can have are kept as given.
  s = definition();
  s.job.priority = priority::high;
  s.job.max_attempts = 3;
  s.job.tags = {"nightly"};
  CHECK(validate_schedule(s));
}

TEST_CASE("schedule: the policy's wire names", "[schedule]") {
  CHECK(to_string(missed_ticks_policy::catch_up) == "catch_up");
  CHECK(to_string(missed_ticks_policy::skip) == "skip");
  CHECK(parse_missed_ticks_policy("catch_up") == missed_ticks_policy::catch_up);
  CHECK(parse_missed_ticks_policy("skip") == missed_ticks_policy::skip);
  CHECK_FALSE(parse_missed_ticks_policy("Skip"));
}

TEST_CASE("schedule: in normal running one tick is due, then the next", "[schedule]") {
  const auto s = definition();
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  // Nothing yet: created at 10:20, now 10:59.
  due_ticks d = ticks_due(s, e, *z, utc("2026-01-01T10:20:00Z"), utc("2026-01-01T10:59:59Z"));
  CHECK(d.fire.empty());
  CHECK(d.skipped == 0);
  CHECK(d.next == utc("2026-01-01T11:00:00Z"));
  // The timer wakes at 11:00:00.003.
  d = ticks_due(s, e, *z, utc("2026-01-01T10:20:00Z"), utc("2026-01-01T11:00:00.003Z"));
  CHECK(texts(d.fire) == list{"2026-01-01T11:00:00.000Z"});
  CHECK(d.skipped == 0);
  CHECK(d.next == utc("2026-01-01T12:00:00Z"));
  // Asked again with the tick recorded: nothing fires twice.
  d = ticks_due(s, e, *z, d.fire.back(), utc("2026-01-01T11:00:00.500Z"));
  CHECK(d.fire.empty());
}

TEST_CASE("schedule: after downtime, skip fires only the latest missed tick", "[schedule]") {
  auto s = definition();
  s.on_missed = missed_ticks_policy::skip;
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  const due_ticks d = ticks_due(s, e, *z, utc("2026-01-01T11:00:00Z"), utc("2026-01-02T05:30:00Z"));
  CHECK(texts(d.fire) == list{"2026-01-02T05:00:00.000Z"});
  CHECK(d.skipped == 17);  // 12:00 .. 04:00
  CHECK(d.next == utc("2026-01-02T06:00:00Z"));
}

TEST_CASE(
    "schedule: after downtime, catch_up fires the latest missed ticks up to the cap, "
    "oldest first",
    "[schedule]") {
  auto s = definition();
  s.on_missed = missed_ticks_policy::catch_up;
  s.catch_up_cap = 3;
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  due_ticks d = ticks_due(s, e, *z, utc("2026-01-01T11:00:00Z"), utc("2026-01-01T16:10:00Z"));
  CHECK(texts(d.fire) ==
        list{"2026-01-01T14:00:00.000Z", "2026-01-01T15:00:00.000Z", "2026-01-01T16:00:00.000Z"});
  CHECK(d.skipped == 2);  // 12:00 and 13:00
  // Under the cap, every missed tick fires.
  d = ticks_due(s, e, *z, utc("2026-01-01T11:00:00Z"), utc("2026-01-01T13:00:00Z"));
  CHECK(texts(d.fire) == list{"2026-01-01T12:00:00.000Z", "2026-01-01T13:00:00.000Z"});
  CHECK(d.skipped == 0);
}

TEST_CASE("schedule: a long outage costs little and the skipped count saturates", "[schedule]") {
  auto s = definition("* * * * * *");  // every second
  s.on_missed = missed_ticks_policy::catch_up;
  s.catch_up_cap = 5;
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  const due_ticks d = ticks_due(s, e, *z, utc("2025-01-01T00:00:00Z"), utc("2026-01-01T00:00:00Z"));
  CHECK(texts(d.fire) == list{"2025-12-31T23:59:56.000Z", "2025-12-31T23:59:57.000Z",
                              "2025-12-31T23:59:58.000Z", "2025-12-31T23:59:59.000Z",
                              "2026-01-01T00:00:00.000Z"});
  CHECK(d.skipped == missed_count_limit);
}

TEST_CASE("schedule: a paused schedule has nothing due and no next time", "[schedule]") {
  auto s = definition();
  s.paused = true;
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  const due_ticks d = ticks_due(s, e, *z, utc("2026-01-01T11:00:00Z"), utc("2026-01-01T16:10:00Z"));
  CHECK(d.fire.empty());
  CHECK(d.skipped == 0);
  CHECK_FALSE(d.next);
}

TEST_CASE("schedule: a clock that steps back never refires a tick", "[schedule]") {
  const auto s = definition();
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone("UTC");
  const due_ticks d = ticks_due(s, e, *z, utc("2026-01-01T12:00:00Z"), utc("2026-01-01T11:30:00Z"));
  CHECK(d.fire.empty());
  CHECK(d.next == utc("2026-01-01T13:00:00Z"));
}

TEST_CASE("schedule: ticks follow the zone's DST rules", "[schedule][dst]") {
  auto s = definition("30 2 * * *");
  s.zone = "Europe/Berlin";
  s.on_missed = missed_ticks_policy::catch_up;
  const auto e = *validate_schedule(s);
  const auto z = *find_iana_zone(s.zone);
  // Down from before the spring-forward night to after the fall-back one:
  // the skipped 02:30 of 2027-03-28 fired at 03:00 CEST, the repeated one of
  // 2027-10-31 once; the ten latest fire.
  const due_ticks d = ticks_due(s, e, *z, utc("2027-03-27T12:00:00Z"), utc("2027-03-31T12:00:00Z"));
  CHECK(texts(d.fire) == list{"2027-03-28T01:00:00.000Z", "2027-03-29T00:30:00.000Z",
                              "2027-03-30T00:30:00.000Z", "2027-03-31T00:30:00.000Z"});
  const due_ticks autumn =
      ticks_due(s, e, *z, utc("2027-10-30T12:00:00Z"), utc("2027-11-01T12:00:00Z"));
  CHECK(texts(autumn.fire) == list{"2027-10-31T00:30:00.000Z", "2027-11-01T01:30:00.000Z"});
}

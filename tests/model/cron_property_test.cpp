// Property tests of next_fire_time over seeded random expressions, zones
// and instants: each fire time is strictly after the previous one, matches
// the expression in local time (or ends a spring-forward gap that hid a
// match), and no minute in between would have fired (a brute-force oracle).

#include "model/next_fire.hpp"

#include "zones/iana_zone.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace jobforge;
using std::chrono::seconds;

namespace {

constexpr std::uint64_t seed = 20'261'206;

struct field_range {
  unsigned min;
  unsigned max;
};

// One random field: `*`, a value, a range, a list, or a step form.
std::string random_field(std::mt19937_64& rng, field_range r) {
  const auto pick = [&](unsigned lo, unsigned hi) {
    return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
  };
  const unsigned a = pick(r.min, r.max);
  const unsigned b = pick(a, r.max);
  switch (pick(0, 6)) {
    case 0:
    case 1:
      return "*";
    case 2:
      return std::to_string(a);
    case 3:
      return std::to_string(a) + "-" + std::to_string(b);
    case 4:
      return std::to_string(a) + "," + std::to_string(pick(r.min, r.max));
    case 5:
      return "*/" + std::to_string(pick(1, (r.max - r.min + 1) / 2));
    default:
      return std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(pick(1, 7));
  }
}

// A random expression that can fire; `hours`, when given, is its hour field.
std::string random_expression(std::mt19937_64& rng, const std::string& hours = "") {
  for (;;) {
    std::string text = random_field(rng, {0, 59}) + " " +
                       (hours.empty() ? random_field(rng, {0, 23}) : hours) + " " +
                       random_field(rng, {1, 31}) + " " + random_field(rng, {1, 12}) + " " +
                       random_field(rng, {0, 7});
    if (cron_expression::parse(text)) return text;  // skip the never-firing ones
  }
}

local_seconds local_of(const zone_rules& z, sys_seconds t) {
  return local_seconds{t.time_since_epoch() + z.period_at(t).offset};
}

// Whether the instant `u` (a whole second) fires, decided from the zone's
// offsets alone: the rules of next_fire.hpp, stated per instant.
bool fires_at(const cron_expression& e, const zone_rules& z, sys_seconds u) {
  const zone_period p = z.period_at(u);
  const seconds previous = z.period_at(p.begin - seconds{1}).offset;
  const local_seconds local = local_of(z, u);
  if (u == p.begin && previous < p.offset) {
    const local_seconds gap_start{p.begin.time_since_epoch() + previous};
    for (local_seconds l = gap_start; l < local; l += seconds{1})
      if (e.matches(to_civil(l))) return true;
  }
  if (!e.matches(to_civil(local))) return false;
  const bool repeated =
      previous > p.offset && local.time_since_epoch() < p.begin.time_since_epoch() + previous;
  return !repeated || e.is_wildcard_time();
}

}  // namespace

TEST_CASE("next fire: properties over random expressions, zones and instants", "[cron][property]") {
  std::mt19937_64 rng(seed);
  INFO("seed " << seed);
  const std::vector<std::string> zone_names = {"UTC",           "America/New_York",
                                               "Europe/Berlin", "Australia/Lord_Howe",
                                               "Asia/Kolkata",  "America/Santiago"};
  std::vector<std::shared_ptr<const zone_rules>> zones;
  for (const auto& name : zone_names) {
    auto z = find_iana_zone(name);
    REQUIRE(z);
    zones.push_back(*z);
  }
  // 1990..2060 in seconds.
  std::uniform_int_distribution<std::int64_t> instant(631'152'000, 2'840'140'800);
  int checked_by_oracle = 0;
  for (int i = 0; i < 600; ++i) {
    const zone_rules& z = *zones[static_cast<std::size_t>(i) % zones.size()];
    sys_seconds start{seconds{instant(rng)}};
    std::string hours;
    // Half the runs start up to two hours before one of the zone's
    // transitions, with the hour field naming the local hours around it
    // (the one skipped by a gap included), so the DST rules get exercised.
    if (i % 2 == 1 && z.period_at(start).end < sys_seconds{seconds{4'000'000'000}}) {
      const sys_seconds transition = z.period_at(start).end;
      start = transition - seconds{std::uniform_int_distribution<int>(0, 7200)(rng)};
      const unsigned before = to_civil(local_of(z, transition - seconds{1})).hour;
      const unsigned after = to_civil(local_of(z, transition)).hour;
      hours = std::to_string(before) + "," + std::to_string((before + 1) % 24) + "," +
              std::to_string(after);
    }
    const std::string text = random_expression(rng, hours);
    const cron_expression e = *cron_expression::parse(text);
    INFO(text << " in " << z.name() << " from "
              << format_rfc3339(timestamp{start.time_since_epoch()}));
    timestamp after{start.time_since_epoch() +
                    milliseconds{std::uniform_int_distribution<int>(0, 999)(rng)}};
    for (int step = 0; step < 5; ++step) {
      const auto next = next_fire_time(e, z, after);
      REQUIRE(next);
      CHECK(*next > after);
      const sys_seconds fire = std::chrono::floor<seconds>(*next);
      CHECK(timestamp{fire.time_since_epoch()} == *next);  // whole seconds
      CHECK(fires_at(e, z, fire));
      // No minute strictly between `after` and the fire time fires (five
      // fields fire on whole minutes), checked when the span is short.
      if (*next - after <= std::chrono::hours{48}) {
        ++checked_by_oracle;
        sys_seconds u = std::chrono::ceil<std::chrono::minutes>(std::chrono::floor<seconds>(after) +
                                                                seconds{1});
        bool early = false;
        for (; u < fire && !early; u += std::chrono::minutes{1})
          early = fires_at(e, z, u);
        CHECK_FALSE(early);
      }
      after = *next;
    }
  }
  // The oracle must actually have run on a good share of the steps.
  CHECK(checked_by_oracle > 1'000);
}

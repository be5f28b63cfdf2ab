#include "model/priority.hpp"

#include "model/random_source.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

using namespace jobforge;

namespace {

const timestamp t0 = from_unix_ms(1'780'000'000'000);  // mid 2026

constexpr priority all_priorities[] = {priority::low, priority::normal, priority::high,
                                       priority::critical};

aging_policy aging(std::int64_t per_level_ms) {
  return aging_policy{milliseconds{per_level_ms}};
}

struct job {
  priority base;
  timestamp enqueued_at;
  std::uint64_t sequence;
};

/// SPEC 5 order at time `t`: higher effective priority first, then older,
/// then earlier sequence. Effective priorities that agree up to rounding of
/// the division count as equal.
bool runs_before_at(const job& a, const job& b, timestamp t, const aging_policy& ag) {
  const double ea = effective_priority(a.base, t - a.enqueued_at, ag);
  const double eb = effective_priority(b.base, t - b.enqueued_at, ag);
  const double tolerance = 1e-9 * std::max({1.0, std::abs(ea), std::abs(eb)});
  if (std::abs(ea - eb) > tolerance) return ea > eb;
  if (a.enqueued_at != b.enqueued_at) return a.enqueued_at < b.enqueued_at;
  return a.sequence < b.sequence;
}

}  // namespace

TEST_CASE("priority names round-trip and unknown names are refused", "[priority]") {
  CHECK(to_string(priority::low) == "low");
  CHECK(to_string(priority::normal) == "normal");
  CHECK(to_string(priority::high) == "high");
  CHECK(to_string(priority::critical) == "critical");
  for (auto p : all_priorities)
    CHECK(parse_priority(to_string(p)) == p);
  for (const char* bad : {"", "Low", "HIGH", "urgent", "normal ", " low", "0", "medium"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_priority(bad));
  }
  CHECK(static_cast<int>(priority::low) < static_cast<int>(priority::normal));
  CHECK(static_cast<int>(priority::normal) < static_cast<int>(priority::high));
  CHECK(static_cast<int>(priority::high) < static_cast<int>(priority::critical));
}

TEST_CASE("effective priority rises one level per aging period waited", "[priority]") {
  const auto ag = aging(60'000);
  for (auto p : all_priorities) {
    const double level = static_cast<double>(static_cast<int>(p));
    INFO(to_string(p));
    CHECK(effective_priority(p, milliseconds{0}, ag) == level);
    for (int k = 1; k <= 10; ++k)
      CHECK(effective_priority(p, milliseconds{60'000 * k}, ag) == Approx(level + k));
    CHECK(effective_priority(p, milliseconds{30'000}, ag) == Approx(level + 0.5));
    CHECK(effective_priority(p, milliseconds{15'000}, ag) == Approx(level + 0.25));
    CHECK(effective_priority(p, milliseconds{1}, ag) > level);
    CHECK(effective_priority(p, milliseconds{59'999}, ag) < level + 1);
  }
  // Default policy: one level a minute.
  CHECK(aging_policy{}.per_level == milliseconds{60'000});
  CHECK(effective_priority(priority::low, milliseconds{120'000}, aging_policy{}) == Approx(2.0));
  // A low job waiting two periods is as urgent as a fresh high one.
  CHECK(effective_priority(priority::low, milliseconds{120'000}, ag) ==
        Approx(effective_priority(priority::high, milliseconds{0}, ag)));
  // Monotonic in waiting time.
  double previous = -1;
  for (std::int64_t w = 0; w <= 600'000; w += 997) {
    const double e = effective_priority(priority::normal, milliseconds{w}, ag);
    CHECK(e >= previous);
    previous = e;
  }
}

TEST_CASE("aging disabled with per_level 0 keeps the base level", "[priority]") {
  const auto off = aging(0);
  for (auto p : all_priorities) {
    const double level = static_cast<double>(static_cast<int>(p));
    for (std::int64_t w : {std::int64_t{0}, std::int64_t{1}, std::int64_t{60'000},
                           std::int64_t{86'400'000}, std::int64_t{365} * 86'400'000})
      CHECK(effective_priority(p, milliseconds{w}, off) == level);
  }
}

TEST_CASE("dispatch_key: higher priority first, then older, then sequence", "[priority]") {
  for (auto ag : {aging(60'000), aging(0), aging(1)}) {
    INFO("per_level " << ag.per_level.count());
    // Same enqueue time: priority decides.
    for (auto a : all_priorities)
      for (auto b : all_priorities) {
        const auto ka = make_dispatch_key(a, t0, 1, ag);
        const auto kb = make_dispatch_key(b, t0, 2, ag);
        if (static_cast<int>(a) > static_cast<int>(b)) {
          CHECK(ka < kb);
          CHECK_FALSE(kb < ka);
        } else if (a == b) {
          CHECK(ka < kb);  // sequence breaks the tie
        } else {
          CHECK(kb < ka);
          CHECK_FALSE(ka < kb);
        }
      }
    // Same priority: older first, whatever the sequence.
    const auto older = make_dispatch_key(priority::normal, t0, 9, ag);
    const auto newer = make_dispatch_key(priority::normal, t0 + milliseconds{1}, 1, ag);
    CHECK(older < newer);
    CHECK_FALSE(newer < older);
    // Same priority and time: sequence.
    const auto s1 = make_dispatch_key(priority::high, t0, 1, ag);
    const auto s2 = make_dispatch_key(priority::high, t0, 2, ag);
    CHECK(s1 < s2);
    CHECK_FALSE(s2 < s1);
    CHECK_FALSE(s1 < s1);
    CHECK(s1 == make_dispatch_key(priority::high, t0, 1, ag));
    CHECK_FALSE(s1 == s2);
  }
  // Without aging a high job beats a low one that has waited a day.
  const auto off = aging(0);
  CHECK(make_dispatch_key(priority::high, t0 + milliseconds{86'400'000}, 2, off) <
        make_dispatch_key(priority::low, t0, 1, off));
  // With aging a barely newer high job still beats a low one.
  const auto on = aging(60'000);
  CHECK(make_dispatch_key(priority::high, t0 + milliseconds{1'000}, 2, on) <
        make_dispatch_key(priority::low, t0, 1, on));
}

TEST_CASE("with aging a long-waiting low job overtakes a fresh high job", "[priority]") {
  const auto ag = aging(60'000);
  const auto low = make_dispatch_key(priority::low, t0, 1, ag);
  // Two levels apart: after two periods the low job is level with high and,
  // being older, goes first.
  CHECK(make_dispatch_key(priority::high, t0 + milliseconds{119'999}, 2, ag) < low);
  CHECK(low < make_dispatch_key(priority::high, t0 + milliseconds{120'000}, 2, ag));
  CHECK(low < make_dispatch_key(priority::high, t0 + milliseconds{120'001}, 2, ag));
  // Three levels apart for critical.
  CHECK(make_dispatch_key(priority::critical, t0 + milliseconds{179'999}, 2, ag) < low);
  CHECK(low < make_dispatch_key(priority::critical, t0 + milliseconds{180'000}, 2, ag));
  // One level for normal.
  CHECK(make_dispatch_key(priority::normal, t0 + milliseconds{59'999}, 2, ag) < low);
  CHECK(low < make_dispatch_key(priority::normal, t0 + milliseconds{60'000}, 2, ag));
  // Same checks through effective_priority at the later enqueue time.
  const timestamp t = t0 + milliseconds{120'001};
  CHECK(effective_priority(priority::low, t - t0, ag) >
        effective_priority(priority::high, milliseconds{0}, ag));
}

TEST_CASE("dispatch_key order matches effective priority at any later common time", "[priority]") {
  auto rng = make_seeded_random(0x5eed);
  auto below = [&](std::uint64_t n) { return rng->next_u64() % n; };
  for (std::int64_t per_level : {std::int64_t{1}, std::int64_t{1'000}, std::int64_t{60'000},
                                 std::int64_t{3'600'000}, std::int64_t{0}}) {
    const auto ag = aging(per_level);
    INFO("per_level " << per_level);
    for (int round = 0; round < 20; ++round) {
      std::vector<job> jobs;
      std::vector<dispatch_key> keys;
      timestamp latest = t0;
      for (std::uint64_t seq = 0; seq < 40; ++seq) {
        const auto p = all_priorities[below(4)];
        // Half the jobs on a coarse grid (so effective priorities tie often),
        // the rest anywhere within ten minutes; sometimes several at once.
        std::int64_t offset = 0;
        switch (below(3)) {
          case 0:
            offset =
                static_cast<std::int64_t>(below(12)) * std::max<std::int64_t>(per_level, 4) / 4;
            break;
          case 1:
            offset = static_cast<std::int64_t>(below(600'000));
            break;
          default:
            offset = static_cast<std::int64_t>(below(3)) * 1'000;
            break;
        }
        const job j{p, t0 + milliseconds{offset}, seq};
        latest = std::max(latest, j.enqueued_at);
        jobs.push_back(j);
        keys.push_back(make_dispatch_key(j.base, j.enqueued_at, j.sequence, ag));
      }
      for (int sample = 0; sample < 5; ++sample) {
        // Any common time from the last enqueue up to a day later.
        const timestamp t =
            latest + milliseconds{sample == 0 ? 0 : static_cast<std::int64_t>(below(86'400'000))};
        for (std::size_t i = 0; i < jobs.size(); ++i)
          for (std::size_t k = 0; k < jobs.size(); ++k) {
            if (i == k) continue;
            const bool by_key = keys[i] < keys[k];
            const bool by_time = runs_before_at(jobs[i], jobs[k], t, ag);
            if (by_key != by_time) {
              INFO("job " << i << " (" << to_string(jobs[i].base) << " at "
                          << to_unix_ms(jobs[i].enqueued_at) << ") vs job " << k << " ("
                          << to_string(jobs[k].base) << " at " << to_unix_ms(jobs[k].enqueued_at)
                          << ") at t " << to_unix_ms(t));
              REQUIRE(by_key == by_time);
            }
          }
      }
      // The key order is a strict total order: a sorted queue is in
      // non-increasing effective priority at a later time.
      std::vector<std::size_t> order(jobs.size());
      for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
      const timestamp t = latest + milliseconds{static_cast<std::int64_t>(below(3'600'000))};
      for (std::size_t i = 1; i < order.size(); ++i) {
        const auto& prev = jobs[order[i - 1]];
        const auto& next = jobs[order[i]];
        REQUIRE(effective_priority(prev.base, t - prev.enqueued_at, ag) >=
                effective_priority(next.base, t - next.enqueued_at, ag) - 1e-9);
      }
    }
  }
}

TEST_CASE("aging bounds how long a low job waits behind a steady stream of high jobs",
          "[priority]") {
  // Each tick two high jobs arrive and one job is dispatched, so the queue
  // never runs dry of high jobs. A high job outranks the low one only if it
  // arrived less than (high - low) * per_level after it.
  constexpr std::int64_t tick_ms = 1'000;
  constexpr std::int64_t arrivals_per_tick = 2;
  constexpr std::int64_t backlog = 5;  // high jobs already waiting with the low one
  const std::int64_t gap =
      static_cast<std::int64_t>(priority::high) - static_cast<std::int64_t>(priority::low);

  auto simulate = [&](const aging_policy& ag, std::int64_t horizon_ticks) -> std::int64_t {
    std::set<dispatch_key> queue;
    std::uint64_t sequence = 0;
    for (std::int64_t i = 0; i < backlog; ++i)
      queue.insert(make_dispatch_key(priority::high, t0, sequence++, ag));
    const auto low = make_dispatch_key(priority::low, t0, sequence++, ag);
    queue.insert(low);
    for (std::int64_t tick = 1; tick <= horizon_ticks; ++tick) {
      const timestamp now = t0 + milliseconds{tick * tick_ms};
      for (std::int64_t a = 0; a < arrivals_per_tick; ++a)
        queue.insert(make_dispatch_key(priority::high, now, sequence++, ag));
      const auto next = *queue.begin();
      queue.erase(queue.begin());
      if (next == low) return tick;
    }
    return -1;
  };

  for (std::int64_t per_level : {std::int64_t{10'000}, std::int64_t{60'000}}) {
    INFO("per_level " << per_level);
    // High jobs arriving at ticks 1 .. gap*per_level/tick - 1 outrank the low
    // job (at exactly gap*per_level they tie and the older low job wins).
    const std::int64_t outranking_arrivals = arrivals_per_tick * (gap * per_level / tick_ms - 1);
    const std::int64_t bound = backlog + outranking_arrivals + 1;
    const std::int64_t dispatched_at = simulate(aging(per_level), 10 * bound);
    CHECK(dispatched_at > 0);
    CHECK(dispatched_at <= bound);
    // Not before the backlog ahead of it (priority still counts).
    CHECK(dispatched_at > backlog);
  }
  // Without aging the low job never runs while high jobs keep coming.
  CHECK(simulate(aging(0), 20'000) == -1);
}

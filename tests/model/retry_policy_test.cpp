#include "model/retry_policy.hpp"

#include "constant_random.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace jobforge;
using jobforge::test::constant_random;

namespace {

constexpr std::uint64_t all_ones = ~std::uint64_t{0};

retry_settings settings(std::int64_t initial, std::int64_t max, double multiplier,
                        double jitter = 0.0) {
  retry_settings s;
  s.initial_backoff_ms = initial;
  s.max_backoff_ms = max;
  s.multiplier = multiplier;
  s.jitter = jitter;
  return s;
}

/// min(max, initial * multiplier^(attempt-1)) by repeated multiplication in
/// long double, stopping as soon as the cap is reached.
std::int64_t reference_backoff(std::int64_t initial, std::int64_t max, double multiplier,
                               int attempt) {
  long double value = static_cast<long double>(initial);
  const auto cap = static_cast<long double>(max);
  for (int i = 1; i < attempt && value < cap; ++i)
    value *= static_cast<long double>(multiplier);
  return value >= cap ? max : static_cast<std::int64_t>(value);
}

job_error err(std::string code, error_kind kind) {
  return job_error{std::move(code), "boom", kind};
}

}  // namespace

TEST_CASE("backoff_base doubles from the initial delay up to the cap", "[retry]") {
  const auto s = settings(1'000, 300'000, 2.0);
  const std::vector<std::int64_t> expected = {1'000,   2'000,   4'000,   8'000,   16'000,
                                              32'000,  64'000,  128'000, 256'000, 300'000,
                                              300'000, 300'000, 300'000};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const int attempt = static_cast<int>(i) + 1;
    INFO("attempt " << attempt);
    CHECK(backoff_base(s, attempt).count() == expected[i]);
  }
}

TEST_CASE("backoff_base follows min(max, initial * multiplier^(attempt-1)) for attempts 1..40",
          "[retry]") {
  struct param {
    std::int64_t initial;
    std::int64_t max;
    double multiplier;
  };
  const std::vector<param> params = {
      {1'000, 300'000, 2.0},     {10, 3'600'000, 2.0}, {250, 3'600'000, 1.5},
      {100, 10'000'000, 3.0},    {1, 3'600'000, 10.0}, {500, 60'000, 1.0},
      {1'000, 1'000, 2.0},       {7, 86'400'000, 1.1}, {1'000, 4'000'000'000'000, 2.0},
      {3, 100'000'000'000, 1.25}};
  for (const auto& p : params) {
    const auto s = settings(p.initial, p.max, p.multiplier);
    std::int64_t previous = 0;
    for (int attempt = 1; attempt <= 40; ++attempt) {
      INFO("initial " << p.initial << " max " << p.max << " multiplier " << p.multiplier
                      << " attempt " << attempt);
      const auto got = backoff_base(s, attempt).count();
      const auto want = reference_backoff(p.initial, p.max, p.multiplier, attempt);
      // pow() versus repeated multiplication may differ in the last bit.
      CHECK(std::abs(got - want) <= 1);
      CHECK(got <= p.max);
      CHECK(got >= std::min(p.initial, p.max));
      CHECK(got >= previous);  // never shrinks
      previous = got;
    }
  }
}

TEST_CASE("backoff_base with multiplier 1 is constant", "[retry]") {
  const auto s = settings(1'234, 300'000, 1.0);
  for (int attempt = 1; attempt <= 40; ++attempt)
    CHECK(backoff_base(s, attempt).count() == 1'234);
  CHECK(backoff_base(s, std::numeric_limits<int>::max()).count() == 1'234);
}

TEST_CASE("backoff_base saturates at the cap for huge attempts instead of overflowing", "[retry]") {
  for (double multiplier : {1.5, 2.0, 10.0}) {
    const auto s = settings(1'000, 300'000, multiplier);
    for (int attempt :
         {41, 64, 100, 1'000, 1'024, 1'025, 100'000, 1'000'000, std::numeric_limits<int>::max()}) {
      INFO("multiplier " << multiplier << " attempt " << attempt);
      CHECK(backoff_base(s, attempt).count() == 300'000);
    }
  }
  // initial * multiplier^(attempt-1) far beyond the int64 range: still the cap.
  const auto big = settings(1'000, 3'600'000, 10.0);
  CHECK(backoff_base(big, 40).count() == 3'600'000);
  CHECK(backoff_base(big, 400).count() == 3'600'000);
}

TEST_CASE("backoff_base with the largest representable cap stays at the cap", "[retry]") {
  // min(INT64_MAX, 1000 * 10^39) = INT64_MAX; the result must not wrap negative.
  constexpr auto cap = std::numeric_limits<std::int64_t>::max();
  const auto s = settings(1'000, cap, 10.0);
  for (int attempt : {30, 40, 1'000}) {
    INFO("attempt " << attempt);
    const auto got = backoff_base(s, attempt).count();
    CHECK(got > 0);
    // The exact cap, give or take the double rounding of 2^63 - 1.
    CHECK(got >= cap - 1'024);
  }
}

TEST_CASE("next_delay stays within [base*(1-jitter), base] over many seeded draws", "[retry]") {
  constexpr int draws = 100'000;
  struct param {
    std::int64_t initial;
    std::int64_t max;
    double jitter;
  };
  // base * (1 - jitter) is a whole number of milliseconds for each of these.
  const std::vector<param> params = {
      {1'000, 300'000, 0.2}, {1'000, 300'000, 0.5}, {4'000, 300'000, 0.25}, {10, 3'600'000, 0.1}};
  auto rng = make_seeded_random(20240601);
  for (const auto& p : params) {
    const auto s = settings(p.initial, p.max, 2.0, p.jitter);
    for (int attempt : {1, 3, 7, 20}) {
      const double base = static_cast<double>(backoff_base(s, attempt).count());
      const double low = base * (1.0 - p.jitter);
      INFO("initial " << p.initial << " jitter " << p.jitter << " attempt " << attempt << " base "
                      << base);
      std::int64_t lo = std::numeric_limits<std::int64_t>::max();
      std::int64_t hi = std::numeric_limits<std::int64_t>::min();
      bool all_in_range = true;
      for (int i = 0; i < draws / 4; ++i) {
        const auto d = next_delay(s, attempt, *rng).count();
        lo = std::min(lo, d);
        hi = std::max(hi, d);
        if (static_cast<double>(d) < low - 1e-9 * base || static_cast<double>(d) > base ||
            d > p.max)
          all_in_range = false;
      }
      CHECK(all_in_range);
      CHECK(static_cast<double>(lo) >= low - 1e-9 * base);
      CHECK(static_cast<double>(hi) <= base);
      CHECK(hi <= p.max);
    }
  }
}

TEST_CASE("next_delay never drops below base*(1-jitter), even when that is fractional", "[retry]") {
  // base 1000, jitter 0.3337: lower bound 666.3 ms, so 666 ms would be too short.
  constexpr int draws = 100'000;
  auto rng = make_seeded_random(7);
  for (double jitter : {0.3337, 0.0101, 0.77777}) {
    const auto s = settings(1'000, 300'000, 2.0, jitter);
    const double base = 1'000.0;
    const double low = base * (1.0 - jitter);
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = 0;
    for (int i = 0; i < draws; ++i) {
      const auto d = next_delay(s, 1, *rng).count();
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    INFO("jitter " << jitter << " lower bound " << low << " smallest " << lo);
    CHECK(static_cast<double>(lo) >= low);
    CHECK(hi <= 1'000);
  }
}

TEST_CASE("next_delay with jitter 0 is exactly the base", "[retry]") {
  auto rng = make_seeded_random(1);
  const auto s = settings(1'000, 300'000, 2.0, 0.0);
  for (int attempt = 1; attempt <= 40; ++attempt)
    for (int i = 0; i < 100; ++i)
      CHECK(next_delay(s, attempt, *rng) == backoff_base(s, attempt));
}

TEST_CASE("next_delay with jitter 1 covers nearly all of [0, base] uniformly", "[retry]") {
  constexpr int draws = 100'000;
  auto rng = make_seeded_random(424242);
  const auto s = settings(1'000, 300'000, 2.0, 1.0);
  const auto base = backoff_base(s, 5).count();  // 16 s
  REQUIRE(base == 16'000);
  std::int64_t lo = base;
  std::int64_t hi = 0;
  double sum = 0;
  int below_half = 0;
  for (int i = 0; i < draws; ++i) {
    const auto d = next_delay(s, 5, *rng).count();
    REQUIRE(d >= 0);
    REQUIRE(d <= base);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    sum += static_cast<double>(d);
    if (d < base / 2) ++below_half;
  }
  CHECK(lo <= base / 100);
  CHECK(hi >= base - base / 100);
  const double mean = sum / draws;
  // Expected mean base * (1 - jitter/2) = base/2; the std. error is ~15 ms.
  CHECK(mean == Approx(static_cast<double>(base) / 2).margin(static_cast<double>(base) * 0.01));
  CHECK(below_half == Approx(draws / 2).margin(draws * 0.01));
}

TEST_CASE("next_delay's mean is base*(1-jitter/2) for partial jitter", "[retry]") {
  constexpr int draws = 100'000;
  auto rng = make_seeded_random(99);
  for (double jitter : {0.1, 0.2, 0.5, 0.8}) {
    const auto s = settings(2'000, 300'000, 3.0, jitter);
    const double base = static_cast<double>(backoff_base(s, 3).count());  // 18 s
    double sum = 0;
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = 0;
    for (int i = 0; i < draws; ++i) {
      const auto d = next_delay(s, 3, *rng).count();
      sum += static_cast<double>(d);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    INFO("jitter " << jitter);
    CHECK(sum / draws == Approx(base * (1.0 - jitter / 2)).margin(base * jitter * 0.01));
    const double width = base * jitter;
    CHECK(static_cast<double>(lo) <= base * (1.0 - jitter) + width * 0.01);
    CHECK(static_cast<double>(hi) >= base - width * 0.01);
  }
}

TEST_CASE("next_delay never exceeds max_backoff", "[retry]") {
  auto rng = make_seeded_random(5);
  for (double jitter : {0.0, 0.3, 1.0}) {
    const auto s = settings(1'000, 45'000, 3.0, jitter);
    for (int attempt = 1; attempt <= 40; ++attempt)
      for (int i = 0; i < 200; ++i)
        CHECK(next_delay(s, attempt, *rng).count() <= 45'000);
  }
}

TEST_CASE("next_delay with an injected extreme random source hits the exact bounds", "[retry]") {
  constant_random zero(0);
  constant_random ones(all_ones);
  REQUIRE(zero.uniform01() == 0.0);
  REQUIRE(ones.uniform01() < 1.0);
  REQUIRE(ones.uniform01() > 0.9999999);

  const auto half = settings(1'000, 300'000, 2.0, 0.5);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const auto base = backoff_base(half, attempt).count();
    INFO("attempt " << attempt << " base " << base);
    CHECK(next_delay(half, attempt, zero).count() == base);
    CHECK(next_delay(half, attempt, ones).count() == base / 2);
  }

  const auto full = settings(1'000, 300'000, 2.0, 1.0);
  CHECK(next_delay(full, 4, zero).count() == 8'000);
  CHECK(next_delay(full, 4, ones).count() == 0);

  const auto fifth = settings(1'000, 300'000, 2.0, 0.2);
  CHECK(next_delay(fifth, 1, zero).count() == 1'000);
  CHECK(next_delay(fifth, 1, ones).count() == 800);
  CHECK(next_delay(fifth, 30, zero).count() == 300'000);
  CHECK(next_delay(fifth, 30, ones).count() == 240'000);

  const auto none = settings(1'000, 300'000, 2.0, 0.0);
  CHECK(next_delay(none, 2, zero).count() == 2'000);
  CHECK(next_delay(none, 2, ones).count() == 2'000);
}

TEST_CASE("is_retryable: permanent never, others per retry_on", "[retry]") {
  retry_settings any;  // retry_on empty: every retryable kind
  REQUIRE(any.retry_on.empty());
  retry_settings listed;
  listed.retry_on = {"smtp_4xx", "timeout", "connect"};

  for (auto kind : {error_kind::transient, error_kind::timeout, error_kind::crash}) {
    INFO(to_string(kind));
    CHECK(is_retryable(any, err("whatever", kind)));
    CHECK(is_retryable(any, err("", kind)));
    CHECK(is_retryable(listed, err("smtp_4xx", kind)));
    CHECK(is_retryable(listed, err("connect", kind)));
    CHECK(is_retryable(listed, err("timeout", kind)));
    CHECK_FALSE(is_retryable(listed, err("smtp_5xx", kind)));
    CHECK_FALSE(is_retryable(listed, err("SMTP_4XX", kind)));
    CHECK_FALSE(is_retryable(listed, err("smtp_4x", kind)));
    CHECK_FALSE(is_retryable(listed, err("", kind)));
  }
  // Permanent errors never retry, even when their code is listed.
  CHECK_FALSE(is_retryable(any, err("whatever", error_kind::permanent)));
  CHECK_FALSE(is_retryable(listed, err("smtp_4xx", error_kind::permanent)));
  CHECK_FALSE(is_retryable(listed, err("timeout", error_kind::permanent)));
}

TEST_CASE("decide_retry retries until max_attempts with the attempt's backoff", "[retry]") {
  constant_random zero(0);
  const auto s = settings(1'000, 300'000, 2.0, 0.2);
  const auto transient = err("net", error_kind::transient);
  constexpr int max_attempts = 5;
  for (int attempts = 1; attempts < max_attempts; ++attempts) {
    INFO("attempts " << attempts);
    const auto d = decide_retry(s, attempts, max_attempts, transient, zero);
    CHECK(d.retry);
    // The delay before attempt `attempts + 1`.
    CHECK(d.delay == backoff_base(s, attempts));
  }
  CHECK_FALSE(decide_retry(s, max_attempts, max_attempts, transient, zero).retry);
  CHECK_FALSE(decide_retry(s, max_attempts + 1, max_attempts, transient, zero).retry);
  CHECK_FALSE(decide_retry(s, 1, 1, transient, zero).retry);

  // A permanent error stops at once; so does a code outside retry_on.
  CHECK_FALSE(decide_retry(s, 1, max_attempts, err("bad", error_kind::permanent), zero).retry);
  auto only = s;
  only.retry_on = {"net"};
  CHECK(decide_retry(only, 1, max_attempts, err("net", error_kind::crash), zero).retry);
  CHECK_FALSE(decide_retry(only, 1, max_attempts, err("disk", error_kind::crash), zero).retry);

  // A seeded source gives a delay within the jitter band.
  auto rng = make_seeded_random(3);
  for (int i = 0; i < 1'000; ++i) {
    const auto d = decide_retry(s, 3, max_attempts, transient, *rng);
    REQUIRE(d.retry);
    CHECK(d.delay.count() >= 3'200);
    CHECK(d.delay.count() <= 4'000);
  }
}

TEST_CASE("resolve_retry without overrides keeps valid defaults", "[retry]") {
  retry_settings defaults;
  defaults.retry_on = {"a", "b"};
  const retry_bounds bounds;
  CHECK(retry_overrides{}.empty());
  CHECK(resolve_retry(defaults, retry_overrides{}, bounds) == defaults);
}

TEST_CASE("resolve_retry applies overrides within the bounds unchanged", "[retry]") {
  const retry_settings defaults;
  retry_bounds bounds;  // min initial 10, max backoff 3'600'000, max multiplier 10
  retry_overrides o;
  o.initial_backoff_ms = 50;
  o.max_backoff_ms = 3'600'000;
  o.multiplier = 10.0;
  o.jitter = 1.0;
  o.retry_on = std::vector<std::string>{"x"};
  CHECK_FALSE(o.empty());
  const auto r = resolve_retry(defaults, o, bounds);
  CHECK(r.initial_backoff_ms == 50);
  CHECK(r.max_backoff_ms == 3'600'000);
  CHECK(r.multiplier == 10.0);
  CHECK(r.jitter == 1.0);
  CHECK(r.retry_on == std::vector<std::string>{"x"});

  retry_overrides lower;
  lower.initial_backoff_ms = 10;
  lower.max_backoff_ms = 10;
  lower.multiplier = 1.0;
  lower.jitter = 0.0;
  lower.retry_on = std::vector<std::string>{};
  auto with_codes = defaults;
  with_codes.retry_on = {"keep?"};
  const auto l = resolve_retry(with_codes, lower, bounds);
  CHECK(l.initial_backoff_ms == 10);
  CHECK(l.max_backoff_ms == 10);
  CHECK(l.multiplier == 1.0);
  CHECK(l.jitter == 0.0);
  CHECK(l.retry_on.empty());  // an explicit empty list replaces the default

  // Only the overridden field changes.
  retry_overrides just_jitter;
  just_jitter.jitter = 0.7;
  auto expected = defaults;
  expected.jitter = 0.7;
  CHECK(resolve_retry(defaults, just_jitter, bounds) == expected);
}

TEST_CASE("resolve_retry clamps each override into the bounds", "[retry]") {
  const retry_settings defaults;  // 1000 / 300000 / 2 / 0.2
  const retry_bounds bounds;      // 10 / 3'600'000 / 10
  auto one = [&](auto set) {
    retry_overrides o;
    set(o);
    return resolve_retry(defaults, o, bounds);
  };
  CHECK(one([](retry_overrides& o) { o.initial_backoff_ms = 1; }).initial_backoff_ms == 10);
  CHECK(one([](retry_overrides& o) { o.initial_backoff_ms = 0; }).initial_backoff_ms == 10);
  CHECK(one([](retry_overrides& o) { o.initial_backoff_ms = -5; }).initial_backoff_ms == 10);
  // initial may not exceed the (resolved) max backoff.
  CHECK(one([](retry_overrides& o) { o.initial_backoff_ms = 500'000; }).initial_backoff_ms ==
        300'000);
  CHECK(one([](retry_overrides& o) { o.max_backoff_ms = 99'999'999; }).max_backoff_ms == 3'600'000);
  CHECK(one([](retry_overrides& o) { o.max_backoff_ms = 3; }).max_backoff_ms == 10);
  {
    const auto r = one([](retry_overrides& o) { o.max_backoff_ms = 500; });
    CHECK(r.max_backoff_ms == 500);
    CHECK(r.initial_backoff_ms == 500);  // default 1000 pulled down to the new max
  }
  CHECK(one([](retry_overrides& o) { o.multiplier = 0.5; }).multiplier == 1.0);
  CHECK(one([](retry_overrides& o) { o.multiplier = -3.0; }).multiplier == 1.0);
  CHECK(one([](retry_overrides& o) { o.multiplier = 11.0; }).multiplier == 10.0);
  CHECK(one([](retry_overrides& o) { o.multiplier = 1e300; }).multiplier == 10.0);
  CHECK(one([](retry_overrides& o) { o.jitter = -0.1; }).jitter == 0.0);
  CHECK(one([](retry_overrides& o) { o.jitter = 1.5; }).jitter == 1.0);
  {
    const auto r = one([](retry_overrides& o) {
      o.initial_backoff_ms = std::numeric_limits<std::int64_t>::max();
      o.max_backoff_ms = std::numeric_limits<std::int64_t>::max();
    });
    CHECK(r.max_backoff_ms == 3'600'000);
    CHECK(r.initial_backoff_ms == 3'600'000);
  }
  {
    const auto r = one([](retry_overrides& o) {
      o.initial_backoff_ms = std::numeric_limits<std::int64_t>::min();
      o.max_backoff_ms = std::numeric_limits<std::int64_t>::min();
    });
    CHECK(r.max_backoff_ms == 10);
    CHECK(r.initial_backoff_ms == 10);
  }
}

TEST_CASE("resolve_retry maps NaN and infinities into the bounds", "[retry]") {
  const retry_settings defaults;
  const retry_bounds bounds;
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity()};
  for (double v : specials) {
    INFO("value " << v);
    retry_overrides o;
    o.multiplier = v;
    o.jitter = v;
    const auto r = resolve_retry(defaults, o, bounds);
    CHECK(std::isfinite(r.multiplier));
    CHECK(r.multiplier >= 1.0);
    CHECK(r.multiplier <= bounds.max_multiplier);
    CHECK(std::isfinite(r.jitter));
    CHECK(r.jitter >= 0.0);
    CHECK(r.jitter <= 1.0);
    // The result is usable: backoff and delays stay within the cap.
    auto rng = make_seeded_random(11);
    for (int attempt = 1; attempt <= 40; ++attempt) {
      const auto d = next_delay(r, attempt, *rng).count();
      CHECK(d >= 0);
      CHECK(d <= r.max_backoff_ms);
    }
    CHECK(validate_retry_defaults(r, 3, bounds).has_value());
  }
  // -inf is below every bound.
  retry_overrides neg;
  neg.multiplier = -std::numeric_limits<double>::infinity();
  neg.jitter = -std::numeric_limits<double>::infinity();
  const auto r = resolve_retry(defaults, neg, bounds);
  CHECK(r.multiplier == 1.0);
  CHECK(r.jitter == 0.0);
}

TEST_CASE("resolve_retry always yields settings valid within the bounds", "[retry]") {
  auto rng = make_seeded_random(2024);
  const std::int64_t ints[] = {std::numeric_limits<std::int64_t>::min(),
                               -1,
                               0,
                               1,
                               9,
                               10,
                               11,
                               999,
                               300'000,
                               3'599'999,
                               3'600'000,
                               3'600'001,
                               std::numeric_limits<std::int64_t>::max()};
  const double reals[] = {-1e308, -1.0, 0.0, 0.25, 0.5, 1.0, 1.5, 9.99, 10.0, 10.01, 1e308};
  const retry_settings defaults;
  const retry_bounds bounds;
  auto pick_int = [&] { return ints[rng->next_u64() % std::size(ints)]; };
  auto pick_real = [&] { return reals[rng->next_u64() % std::size(reals)]; };
  for (int i = 0; i < 5'000; ++i) {
    retry_overrides o;
    if (rng->next_u64() % 2) o.initial_backoff_ms = pick_int();
    if (rng->next_u64() % 2) o.max_backoff_ms = pick_int();
    if (rng->next_u64() % 2) o.multiplier = pick_real();
    if (rng->next_u64() % 2) o.jitter = pick_real();
    const auto r = resolve_retry(defaults, o, bounds);
    INFO("initial " << (o.initial_backoff_ms ? *o.initial_backoff_ms : -999) << " max "
                    << (o.max_backoff_ms ? *o.max_backoff_ms : -999) << " multiplier "
                    << (o.multiplier ? *o.multiplier : -999) << " jitter "
                    << (o.jitter ? *o.jitter : -999));
    REQUIRE(r.initial_backoff_ms >= bounds.min_initial_backoff_ms);
    REQUIRE(r.initial_backoff_ms <= r.max_backoff_ms);
    REQUIRE(r.max_backoff_ms <= bounds.max_backoff_ms);
    REQUIRE(r.multiplier >= 1.0);
    REQUIRE(r.multiplier <= bounds.max_multiplier);
    REQUIRE(r.jitter >= 0.0);
    REQUIRE(r.jitter <= 1.0);
    REQUIRE(validate_retry_defaults(r, 1, bounds).has_value());
  }
}

TEST_CASE("resolve_max_attempts clamps into [1, bounds.max_attempts]", "[retry]") {
  retry_bounds bounds;
  bounds.max_attempts = 10;
  CHECK(resolve_max_attempts(3, std::nullopt, bounds) == 3);
  CHECK(resolve_max_attempts(3, 7, bounds) == 7);
  CHECK(resolve_max_attempts(3, 10, bounds) == 10);
  CHECK(resolve_max_attempts(3, 1, bounds) == 1);
  CHECK(resolve_max_attempts(3, 11, bounds) == 10);
  CHECK(resolve_max_attempts(3, std::numeric_limits<int>::max(), bounds) == 10);
  CHECK(resolve_max_attempts(3, 0, bounds) == 1);
  CHECK(resolve_max_attempts(3, -4, bounds) == 1);
  CHECK(resolve_max_attempts(3, std::numeric_limits<int>::min(), bounds) == 1);
  // An out-of-bounds type default is clamped too.
  CHECK(resolve_max_attempts(50, std::nullopt, bounds) == 10);
  CHECK(resolve_max_attempts(0, std::nullopt, bounds) == 1);
  // Degenerate bounds still give at least one attempt.
  bounds.max_attempts = 0;
  CHECK(resolve_max_attempts(3, 5, bounds) == 1);
  CHECK(resolve_max_attempts(3, std::nullopt, bounds) == 1);
}

TEST_CASE("validate_retry_defaults accepts valid settings, including the edges", "[retry]") {
  const retry_bounds bounds;
  CHECK(validate_retry_defaults(retry_settings{}, 5, bounds).has_value());
  CHECK(validate_retry_defaults(retry_settings{}, 1, bounds).has_value());
  CHECK(validate_retry_defaults(retry_settings{}, bounds.max_attempts, bounds).has_value());
  auto edge = settings(10, 3'600'000, 10.0, 1.0);
  CHECK(validate_retry_defaults(edge, 1, bounds).has_value());
  edge = settings(10, 10, 1.0, 0.0);
  CHECK(validate_retry_defaults(edge, 1, bounds).has_value());
}

TEST_CASE("validate_retry_defaults refuses each bad field", "[retry]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct bad_case {
    std::string name;
    retry_settings s;
    int max_attempts;
    retry_bounds bounds;
    std::string field;
  };
  const retry_settings ok;
  const retry_bounds b;
  auto with = [&](auto change) {
    auto s = ok;
    change(s);
    return s;
  };
  auto bounds_with = [&](auto change) {
    auto x = b;
    change(x);
    return x;
  };
  const std::vector<bad_case> cases = {
      {"max_attempts 0", ok, 0, b, "max_attempts"},
      {"max_attempts negative", ok, -1, b, "max_attempts"},
      {"max_attempts above bound", ok, b.max_attempts + 1, b, "max_attempts"},
      {"bounds.max_attempts 0", ok, 1, bounds_with([](retry_bounds& x) { x.max_attempts = 0; }),
       "bounds.max_attempts"},
      {"negative min initial", ok, 1,
       bounds_with([](retry_bounds& x) { x.min_initial_backoff_ms = -1; }), "bounds"},
      {"bound max below min", ok, 1, bounds_with([](retry_bounds& x) {
         x.min_initial_backoff_ms = 100;
         x.max_backoff_ms = 99;
       }),
       "bounds"},
      {"initial below min", with([](retry_settings& s) { s.initial_backoff_ms = 9; }), 1, b,
       "initial_backoff_ms"},
      {"initial negative", with([](retry_settings& s) { s.initial_backoff_ms = -1'000; }), 1, b,
       "initial_backoff_ms"},
      {"initial above max", with([](retry_settings& s) { s.initial_backoff_ms = 300'001; }), 1, b,
       "initial_backoff_ms"},
      {"max above bound", with([](retry_settings& s) { s.max_backoff_ms = 3'600'001; }), 1, b,
       "max_backoff_ms"},
      {"multiplier below 1", with([](retry_settings& s) { s.multiplier = 0.99; }), 1, b,
       "multiplier"},
      {"multiplier above bound", with([](retry_settings& s) { s.multiplier = 10.5; }), 1, b,
       "multiplier"},
      {"multiplier NaN", with([nan](retry_settings& s) { s.multiplier = nan; }), 1, b,
       "multiplier"},
      {"multiplier inf", with([inf](retry_settings& s) { s.multiplier = inf; }), 1, b,
       "multiplier"},
      {"jitter negative", with([](retry_settings& s) { s.jitter = -0.01; }), 1, b, "jitter"},
      {"jitter above 1", with([](retry_settings& s) { s.jitter = 1.01; }), 1, b, "jitter"},
      {"jitter NaN", with([nan](retry_settings& s) { s.jitter = nan; }), 1, b, "jitter"},
      {"jitter inf", with([inf](retry_settings& s) { s.jitter = inf; }), 1, b, "jitter"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto r = validate_retry_defaults(c.s, c.max_attempts, c.bounds);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error_value().code == error_code::invalid_argument);
    CHECK(r.error_value().details.at("field").as_string() == c.field);
    CHECK(r.error_value().message.find("'" + c.field + "'") != std::string::npos);
  }
}

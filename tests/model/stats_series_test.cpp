#include "model/stats_series.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_unix_ms(1'767'225'600'000);  // a whole ten seconds
}

TEST_CASE("a count ring keeps the last N periods and drops older ones", "[statistics]") {
  count_ring<4> r;
  r.add(10);
  r.add(10, 2);
  r.add(12);
  CHECK(r.at(10) == 3);
  CHECK(r.at(11) == 0);
  CHECK(r.sum(9, 12) == 4);
  r.add(14);  // 10 leaves: its slot is 14's now
  CHECK(r.at(10) == 0);
  CHECK(r.at(14) == 1);
  r.add(9);  // older than the ring holds: dropped, nothing overwritten
  CHECK(r.at(9) == 0);
  CHECK(r.sum(11, 14) == 2);
}

TEST_CASE("the series counts completions and dead letters per second", "[statistics]") {
  stats_series s;
  s.record("echo", job_status::running, job_status::completed, 5ms, t0);
  s.record("echo", job_status::running, job_status::completed, 5ms, t0 + 300ms);
  s.record("echo", job_status::running, job_status::failed, 5ms, t0 + 2s);
  s.record("echo", job_status::running, job_status::retrying, 5ms, t0 + 2s);  // not a dead letter
  auto c = s.counts(t0 + 3s, 5);
  CHECK(c.from == to_unix_ms(t0) / 1000 - 1);
  CHECK(c.completed == std::vector<std::uint64_t>{0, 2, 0, 0, 0});
  CHECK(c.failed == std::vector<std::uint64_t>{0, 0, 0, 1, 0});
  // Fifteen minutes later the old seconds are gone (the ring reused nothing wrongly).
  s.record("echo", job_status::running, job_status::completed, 5ms, t0 + 900s);
  auto later = s.counts(t0 + 900s, 900);
  CHECK(later.completed.size() == 900);
  CHECK(later.completed.back() == 1);
  std::uint64_t total = 0;
  for (auto n : later.completed)
    total += n;
  CHECK(total == 1);
  CHECK(s.counts(t0, 5000).completed.size() == 900);  // at most what is kept
}

TEST_CASE("the series keeps wait and run times per ten-second window", "[statistics]") {
  stats_series s;
  for (int i = 1; i <= 100; ++i) {
    s.record("echo", job_status::pending, job_status::running, milliseconds{i}, t0 + 1s);
    s.record("echo", job_status::running, job_status::completed, milliseconds{10 * i}, t0 + 12s);
  }
  s.record("echo", std::nullopt, job_status::pending, 999ms, t0);  // a submission: no wait yet
  auto windows = s.windows(t0 + 15s, 16);                          // t0 .. t0 + 15 s: two windows
  REQUIRE(windows.size() == 2);
  CHECK(windows[0].from == to_unix_ms(t0) / 1000);
  CHECK(windows[0].wait.count() == 100);
  CHECK(windows[0].run.count() == 0);
  CHECK(windows[1].run.count() == 100);
  CHECK(windows[0].wait.quantile_ms(0.95) >= 95);
  CHECK(windows[0].wait.quantile_ms(0.95) <= 95 * 1.19);
  auto minute = s.merged(t0 + 15s, 60);
  CHECK(minute.wait.count() == 100);
  CHECK(minute.run.count() == 100);
  CHECK(minute.run.quantile_ms(0.5) >= 500);
  CHECK(minute.run.quantile_ms(0.5) <= 500 * 1.19);
  // A window that comes round again starts empty.
  s.record("echo", job_status::pending, job_status::running, 1ms, t0 + 901s);
  auto again = s.windows(t0 + 901s, 2);
  REQUIRE(again.size() == 1);
  CHECK(again[0].wait.count() == 1);
}

TEST_CASE("top errors group failed attempts by type and code over a recent span", "[statistics]") {
  stats_series s;
  const job_error refused{"smtp_refused", "550 no such user", error_kind::permanent};
  const job_error timeout{"timeout", "ran past 30 s", error_kind::timeout};
  for (int i = 0; i < 3; ++i)
    s.record("email.send", job_status::running, job_status::retrying, 1ms, t0 + 1s, &timeout);
  s.record("email.send", job_status::running, job_status::failed, 1ms, t0 + 2s, &refused);
  s.record("report", job_status::running, job_status::retrying, 1ms, t0 - 400s, &timeout);
  s.record("email.send", job_status::running, job_status::completed, 1ms, t0 + 2s, &refused);
  auto top = s.top_errors(t0 + 5s, 300, 10);
  REQUIRE(top.size() == 2);  // the report's is older than the span
  CHECK(top[0].type == "email.send");
  CHECK(top[0].code == "timeout");
  CHECK(top[0].count == 3);
  CHECK(top[1].code == "smtp_refused");
  CHECK(top[1].message == "550 no such user");
  CHECK(top[1].last_at == t0 + 2s);
  CHECK(s.top_errors(t0 + 5s, 300, 1).size() == 1);
  CHECK(s.top_errors(t0 + 5s, 900, 10).size() == 3);
}

TEST_CASE("the series follows a bounded number of error groups", "[statistics]") {
  stats_series s;
  for (std::size_t i = 0; i < stats_series::error_groups_kept + 10; ++i) {
    const job_error e{"code" + std::to_string(i), "m"};
    s.record("t", job_status::running, job_status::retrying, 1ms,
             t0 + milliseconds{static_cast<std::int64_t>(i)}, &e);
  }
  auto top = s.top_errors(t0 + 1s, 60, 1000);
  CHECK(top.size() == stats_series::error_groups_kept);
  // The groups seen longest ago made room.
  for (const auto& g : top)
    CHECK(g.code != "code0");
}

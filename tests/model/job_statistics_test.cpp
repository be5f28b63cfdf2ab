#include "model/job_statistics.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_unix_ms(1'767'225'600'000);
}

TEST_CASE("a duration histogram gives the mean and an upper estimate of a quantile",
          "[statistics]") {
  duration_histogram h;
  CHECK(h.average_ms() == 0);
  CHECK(h.quantile_ms(0.95) == 0);
  for (int i = 1; i <= 100; ++i)
    h.add(milliseconds{i});
  CHECK(h.count() == 100);
  CHECK(h.average_ms() == Approx(50.5));
  // The true 95th percentile is 95 ms; buckets are about 19% wide.
  CHECK(h.quantile_ms(0.95) >= 95);
  CHECK(h.quantile_ms(0.95) <= 95 * 1.19);
  CHECK(h.quantile_ms(0.5) >= 50);
  CHECK(h.quantile_ms(0.5) <= 50 * 1.19);
  h.add(milliseconds{-5});  // a clock step backwards counts as nothing, not as garbage
  CHECK(h.quantile_ms(0.001) == 1);
}

TEST_CASE("statistics follow each type's jobs through their statuses", "[statistics]") {
  job_statistics s;
  // A mail job: waits 40 ms, fails after 100 ms, retried, completes after 300 ms.
  s.record("email.send", std::nullopt, job_status::pending, 0ms, t0);
  s.record("email.send", job_status::pending, job_status::running, 40ms, t0 + 40ms);
  s.record("email.send", job_status::running, job_status::retrying, 100ms, t0 + 140ms);
  s.record("email.send", job_status::retrying, job_status::pending, 1000ms, t0 + 1140ms);
  s.record("email.send", job_status::pending, job_status::running, 0ms, t0 + 1140ms);
  s.record("email.send", job_status::running, job_status::completed, 300ms, t0 + 1440ms);
  // Another fails for good; a third is canceled while waiting.
  s.record("email.send", std::nullopt, job_status::pending, 0ms, t0);
  s.record("email.send", job_status::pending, job_status::running, 10ms, t0 + 10ms);
  s.record("email.send", job_status::running, job_status::failed, 50ms, t0 + 60ms);
  s.record("noop", std::nullopt, job_status::pending, 0ms, t0);
  s.record("noop", job_status::pending, job_status::canceled, 5ms, t0 + 5ms);

  const auto mail = s.of("email.send");
  CHECK(mail.submitted == 2);
  CHECK(mail.started == 3);
  CHECK(mail.completed == 1);
  CHECK(mail.failed == 1);
  CHECK(mail.retried == 1);
  CHECK(mail.run_time.count() == 3);
  CHECK(mail.run_time.average_ms() == Approx(150));
  CHECK(mail.wait_time.count() == 3);
  CHECK(mail.failure_rate() == Approx(0.5));
  CHECK(s.of("noop").canceled == 1);
  CHECK(s.of("noop").failure_rate() == 0);
  CHECK(s.of("unknown").submitted == 0);
  CHECK(s.by_type().size() == 2);
}

TEST_CASE("throughput counts completions in the recent window only", "[statistics]") {
  job_statistics s;
  for (int i = 0; i < 120; ++i)  // one completion every half second for a minute
    s.record("noop", job_status::running, job_status::completed, 1ms, t0 + milliseconds{500 * i});
  const timestamp end = t0 + 59'999ms;
  CHECK(s.throughput(end, 60s) == Approx(2.0));
  CHECK(s.throughput(end, 10s) == Approx(2.0));
  // Ten minutes later nothing is recent any more.
  CHECK(s.throughput(end + 600s, 60s) == 0);
  // A late report still lands in its own second.
  s.record("noop", job_status::running, job_status::completed, 1ms, t0 + 30'000ms);
  CHECK(s.throughput(end, 60s) == Approx(121.0 / 60));
  // Per type, over the last minute, as well.
  CHECK(s.of("noop").completed_per_second(end) == Approx(121.0 / 60));
  CHECK(s.of("noop").completed_per_second(end + 600s) == 0);
}

TEST_CASE("merged duration histograms hold both sets of durations", "[statistics]") {
  duration_histogram a, b;
  for (int i = 1; i <= 50; ++i)
    a.add(milliseconds{i});
  for (int i = 51; i <= 100; ++i)
    b.add(milliseconds{i});
  a.merge(b);
  CHECK(a.count() == 100);
  CHECK(a.average_ms() == Approx(50.5));
  CHECK(a.quantile_ms(0.95) >= 95);
  CHECK(a.quantile_ms(0.95) <= 95 * 1.19);
}

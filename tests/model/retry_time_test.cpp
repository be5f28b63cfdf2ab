// max_retry_ms: the total time a job's retries may take. A retry whose
// backoff would end past the limit is not made; the job fails with an error
// naming the limit. Counted from the first attempt's start, or from the
// replay for a replayed job.

#include "model/job.hpp"
#include "model/job_factory.hpp"
#include "model/job_type_registry.hpp"
#include "model/retry_policy.hpp"

#include "constant_random.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

using namespace jobforge;
using jobforge::test::constant_random;

namespace {

const timestamp t0 = from_unix_ms(1'700'000'000'000);

retry_settings no_jitter(std::int64_t initial, std::int64_t max, double multiplier) {
  retry_settings s;
  s.initial_backoff_ms = initial;
  s.max_backoff_ms = max;
  s.multiplier = multiplier;
  s.jitter = 0.0;
  return s;
}

job_type limited_type() {
  job_type t;
  t.name = "fetch";
  t.schema = boost::json::object{};
  t.defaults.max_attempts = 10;
  t.defaults.max_retry_ms = 60'000;
  t.handler = [](handler_context&, const boost::json::value&) { return handler_result::ok(); };
  return t;
}

job_request request_for(const job_type& t) {
  job_request r;
  r.type = t.name;
  r.payload = boost::json::object{};
  return r;
}

}  // namespace

TEST_CASE("a retry is made only while elapsed time plus its backoff stays within max_retry_ms",
          "[retry][retry_time]") {
  constant_random zero(0);
  const auto s = no_jitter(1'000, 300'000, 2.0);
  const job_error net{"net", "connection refused", error_kind::transient};

  // Attempt 3 failed: the next backoff is 4 s. 6 s gone + 4 s = 10 s.
  const auto fits = decide_retry(s, 3, 10, net, zero, retry_window{10'000, milliseconds{6'000}});
  CHECK(fits.retry);
  CHECK_FALSE(fits.out_of_time);
  CHECK(fits.delay == milliseconds{4'000});

  // One millisecond more and the retry would end past the limit.
  const auto late = decide_retry(s, 3, 10, net, zero, retry_window{10'000, milliseconds{6'001}});
  CHECK_FALSE(late.retry);
  CHECK(late.out_of_time);
  CHECK(late.delay == milliseconds{4'000});  // the backoff that did not fit

  // 0 means no limit, however long it has been.
  const auto unlimited =
      decide_retry(s, 3, 10, net, zero, retry_window{0, milliseconds{365LL * 86'400'000}});
  CHECK(unlimited.retry);

  // Running out of attempts or a permanent error is not running out of time.
  const auto no_attempts =
      decide_retry(s, 10, 10, net, zero, retry_window{10'000, milliseconds{9'999}});
  CHECK_FALSE(no_attempts.retry);
  CHECK_FALSE(no_attempts.out_of_time);
  const job_error bad{"bad", "no", error_kind::permanent};
  const auto permanent = decide_retry(s, 1, 10, bad, zero, retry_window{1, milliseconds{50}});
  CHECK_FALSE(permanent.retry);
  CHECK_FALSE(permanent.out_of_time);

  // A Retry-After delay counts like a backoff.
  const job_error slow{"http_429", "slow down", error_kind::transient, 8'000};
  CHECK(decide_retry(s, 1, 10, slow, zero, retry_window{10'000, milliseconds{2'000}}).retry);
  CHECK(decide_retry(s, 1, 10, slow, zero, retry_window{10'000, milliseconds{2'001}}).out_of_time);
}

TEST_CASE("the error of a job whose retry time ran out names the limit and the last error",
          "[retry][retry_time]") {
  const job_error last{"net", "connection refused", error_kind::timeout};
  const auto e =
      retry_time_exhausted(last, retry_window{10'000, milliseconds{6'001}}, milliseconds{4'000});
  CHECK(e.code == "retry_time_exhausted");
  CHECK(e.kind == error_kind::timeout);
  CHECK(e.message.find("retry time ran out") != std::string::npos);
  CHECK(e.message.find("max_retry_ms is 10000 ms") != std::string::npos);
  CHECK(e.message.find("6001 ms have passed") != std::string::npos);
  CHECK(e.message.find("wait 4000 ms") != std::string::npos);
  CHECK(e.message.find("timeout net: connection refused") != std::string::npos);
}

TEST_CASE("a job's max_retry_ms is its type's unless it asks, within the type's cap",
          "[retry][retry_time]") {
  retry_bounds open;
  CHECK(resolve_max_retry_ms(60'000, std::nullopt, open) == 60'000);
  CHECK(resolve_max_retry_ms(60'000, 5'000, open) == 5'000);
  CHECK(resolve_max_retry_ms(60'000, 0, open) == 0);  // no limit
  CHECK(resolve_max_retry_ms(0, 7'200'000, open) == 7'200'000);

  retry_bounds capped;
  capped.max_retry_ms = 3'600'000;
  CHECK(resolve_max_retry_ms(60'000, 5'000, capped) == 5'000);
  CHECK(resolve_max_retry_ms(60'000, 7'200'000, capped) == 3'600'000);
  CHECK(resolve_max_retry_ms(60'000, 0, capped) == 3'600'000);  // no limit is past any cap
}

TEST_CASE("build_job sets max_retry_ms from the type or the submission and refuses bad values",
          "[retry][retry_time][factory]") {
  const auto type = limited_type();
  auto r = request_for(type);
  const auto id = job_id::generate(*make_seeded_random(1));
  auto j = build_job(r, type, id, t0);
  REQUIRE(j);
  CHECK(j->max_retry_ms == 60'000);

  r.max_retry_ms = 1'000;
  j = build_job(r, type, id, t0);
  REQUIRE(j);
  CHECK(j->max_retry_ms == 1'000);

  auto capped = type;
  capped.bounds.max_retry_ms = 120'000;
  r.max_retry_ms = 10'000'000;
  j = build_job(r, capped, id, t0);
  REQUIRE(j);
  CHECK(j->max_retry_ms == 120'000);

  for (std::int64_t bad : {std::int64_t{-1}, max_retry_ms_limit + 1}) {
    r.max_retry_ms = bad;
    const auto refused = build_job(r, type, id, t0);
    REQUIRE_FALSE(refused);
    CHECK(refused.error_value().code == error_code::invalid_argument);
    CHECK(refused.error_value().message.find("'max_retry_ms'") != std::string::npos);
    CHECK(refused.error_value().details.at("field") == "max_retry_ms");
  }
}

TEST_CASE("the retry window starts at the first attempt, or at the last replay",
          "[retry][retry_time]") {
  const auto type = limited_type();
  auto built = build_job(request_for(type), type, job_id::generate(*make_seeded_random(2)), t0);
  REQUIRE(built);
  job j = std::move(built).value();
  CHECK_FALSE(retry_window_start(j));  // no attempt yet

  const auto at = [](std::int64_t s) { return t0 + milliseconds{s * 1'000}; };
  const job_error net{"net", "down", error_kind::transient};
  REQUIRE(transition(j, job_status::running, at(5)));
  CHECK(retry_window_start(j) == at(5));
  REQUIRE(transition(j, job_status::retrying, at(6), transition_note{net, {}, {}, {}}));
  REQUIRE(transition(j, job_status::pending, at(8)));
  REQUIRE(transition(j, job_status::running, at(9)));
  CHECK(retry_window_start(j) == at(5));  // later attempts do not move it
  REQUIRE(transition(j, job_status::failed, at(10), transition_note{net, {}, {}, {}}));

  // A replay gives the job a fresh window from the replay itself.
  REQUIRE(transition(j, job_status::pending, at(100)));
  CHECK(retry_window_start(j) == at(100));
  REQUIRE(transition(j, job_status::running, at(130)));
  CHECK(retry_window_start(j) == at(100));
}

TEST_CASE("a type's max_retry_ms default is checked at registration", "[retry][retry_time]") {
  job_type_registry types;
  auto negative = limited_type();
  negative.defaults.max_retry_ms = -1;
  CHECK_FALSE(types.add(negative));
  auto over_cap = limited_type();
  over_cap.bounds.max_retry_ms = 30'000;
  CHECK_FALSE(types.add(over_cap));  // 60 s default over a 30 s cap
  over_cap.defaults.max_retry_ms = 30'000;
  CHECK(types.add(over_cap));
}

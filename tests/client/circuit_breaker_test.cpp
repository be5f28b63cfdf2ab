// The circuit breaker's state machine, stepped with a made-up clock: no
// sleeping, every transition seen.
#include "jobforge/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using namespace jobforge::client;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  circuit_breaker::time_point now{};
  void advance(std::chrono::milliseconds d) { now += d; }
};

}  // namespace

TEST_CASE("breaker: stays closed below the threshold and a success resets the count") {
  fake_clock t;
  circuit_breaker b({3, 1000ms});
  REQUIRE(b.allow(t.now));
  b.record_failure(t.now);
  b.record_failure(t.now);
  CHECK(b.state() == breaker_state::closed);
  CHECK(b.snapshot(t.now).consecutive_failures == 2);
  b.record_success(t.now);
  CHECK(b.snapshot(t.now).consecutive_failures == 0);
  b.record_failure(t.now);
  b.record_failure(t.now);
  CHECK(b.state() == breaker_state::closed);
  CHECK(b.snapshot(t.now).failures == 4);
  CHECK(b.snapshot(t.now).successes == 1);
}

TEST_CASE("breaker: N consecutive failures open it, and it fails fast during the cool-down") {
  fake_clock t;
  circuit_breaker b({3, 1000ms});
  for (int i = 0; i < 3; ++i) {
    REQUIRE(b.allow(t.now));
    b.record_failure(t.now);
  }
  CHECK(b.state() == breaker_state::open);
  CHECK(b.snapshot(t.now).times_opened == 1);
  CHECK(b.snapshot(t.now).retry_in == 1000ms);
  t.advance(999ms);
  CHECK_FALSE(b.allow(t.now));
  CHECK_FALSE(b.allow(t.now));
  CHECK(b.snapshot(t.now).rejected == 2);
  CHECK(b.snapshot(t.now).retry_in == 1ms);
}

TEST_CASE("breaker: after the cool-down one probe goes, the others wait for it") {
  fake_clock t;
  circuit_breaker b({1, 500ms});
  b.record_failure(t.now);
  REQUIRE(b.state() == breaker_state::open);
  t.advance(500ms);
  CHECK(b.allow(t.now));  // the probe
  CHECK(b.state() == breaker_state::half_open);
  CHECK_FALSE(b.allow(t.now));  // while the probe is out
  CHECK(b.snapshot(t.now).probes == 1);

  SECTION("a probe that succeeds closes it") {
    b.record_success(t.now);
    CHECK(b.state() == breaker_state::closed);
    CHECK(b.allow(t.now));
    CHECK(b.allow(t.now));
  }
  SECTION("a probe that fails opens it for another full cool-down") {
    t.advance(100ms);
    b.record_failure(t.now);
    CHECK(b.state() == breaker_state::open);
    CHECK(b.snapshot(t.now).times_opened == 2);
    t.advance(499ms);
    CHECK_FALSE(b.allow(t.now));
    t.advance(1ms);
    CHECK(b.allow(t.now));
  }
  SECTION("an abandoned probe lets the next caller probe") {
    b.record_abandoned();
    CHECK(b.allow(t.now));
    CHECK(b.snapshot(t.now).probes == 2);
  }
}

TEST_CASE("breaker: a failure reported late while open does not restart the cool-down") {
  fake_clock t;
  circuit_breaker b({2, 1000ms});
  b.record_failure(t.now);
  b.record_failure(t.now);
  t.advance(600ms);
  b.record_failure(t.now);  // a call let through before it opened
  t.advance(400ms);
  CHECK(b.allow(t.now));
  CHECK(to_string(b.state()) == "half_open");
}

TEST_CASE("breaker: retry_in is zero only once a probe may go") {
  fake_clock t;
  circuit_breaker b({1, 1000ms});
  b.record_failure(t.now);
  t.now += std::chrono::microseconds{999'500};
  CHECK(b.snapshot(t.now).retry_in == 1ms);
  CHECK_FALSE(b.allow(t.now));
  t.now += std::chrono::microseconds{500};
  CHECK(b.snapshot(t.now).retry_in == 0ms);
  CHECK(b.allow(t.now));
}

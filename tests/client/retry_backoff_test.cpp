// The pause before a retry: exponential, capped, shortened by jitter.
#include "client/retry_backoff.hpp"

#include <catch2/catch.hpp>

using jobforge::client::retry_delay;
using namespace std::chrono_literals;

TEST_CASE("backoff: doubles from the initial pause up to the cap") {
  CHECK(retry_delay(1, 100ms, 2000ms, 0.0, 0.9) == 100ms);
  CHECK(retry_delay(2, 100ms, 2000ms, 0.0, 0.9) == 200ms);
  CHECK(retry_delay(4, 100ms, 2000ms, 0.0, 0.9) == 800ms);
  CHECK(retry_delay(6, 100ms, 2000ms, 0.0, 0.9) == 2000ms);
  CHECK(retry_delay(60, 100ms, 2000ms, 0.0, 0.9) == 2000ms);
}

TEST_CASE("backoff: jitter shortens each pause by up to its share") {
  CHECK(retry_delay(2, 100ms, 2000ms, 0.5, 0.0) == 200ms);
  CHECK(retry_delay(2, 100ms, 2000ms, 0.5, 0.5) == 150ms);
  CHECK(retry_delay(2, 100ms, 2000ms, 0.5, 0.999) >= 100ms);  // never below half
  CHECK(retry_delay(2, 100ms, 2000ms, 1.0, 0.75) == 50ms);
}

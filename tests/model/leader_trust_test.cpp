#include "model/leader_trust.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;
using namespace std::chrono_literals;

TEST_CASE("a leader trusts its lease until a margin before it could expire", "[leader_trust]") {
  leader_trust trust(5000ms, 1000ms);
  const auto t0 = leader_trust::clock::time_point{} + 100s;
  CHECK_FALSE(trust.trusted(t0));  // nothing renewed yet
  trust.renewed(t0);
  CHECK(trust.trusted(t0 + 3999ms));
  CHECK_FALSE(trust.trusted(t0 + 4000ms));
  CHECK(trust.until() == t0 + 4000ms);
}

TEST_CASE("trust counts from when the renewal was sent, not when it was answered",
          "[leader_trust]") {
  leader_trust trust(5000ms, 1000ms);
  const auto sent = leader_trust::clock::time_point{} + 100s;
  // The answer took 3.5 s: the database may have extended the lease at
  // `sent` already, so only 0.5 s of trust remain after the answer.
  trust.renewed(sent);
  CHECK(trust.trusted(sent + 3500ms));
  CHECK_FALSE(trust.trusted(sent + 4000ms));
}

TEST_CASE("a late answer to an older renewal never shortens the trust", "[leader_trust]") {
  leader_trust trust(5000ms, 1000ms);
  const auto t0 = leader_trust::clock::time_point{} + 100s;
  trust.renewed(t0 + 2s);
  trust.renewed(t0);  // an older renewal's success, reported later
  CHECK(trust.until() == t0 + 6s);
}

TEST_CASE("failed renewals leave the trust to run out", "[leader_trust]") {
  leader_trust trust(5000ms, leader_trust::default_margin(5000ms));
  const auto t0 = leader_trust::clock::time_point{} + 100s;
  trust.renewed(t0);
  // Renewals at t0+1s, +2s, +3s fail: nothing extends the trust.
  CHECK(trust.trusted(t0 + 3s));
  CHECK_FALSE(trust.trusted(t0 + 4s));
}

TEST_CASE("a margin as long as the lease is clamped below it", "[leader_trust]") {
  leader_trust trust(1000ms, 5000ms);
  const auto t0 = leader_trust::clock::time_point{} + 100s;
  trust.renewed(t0);
  CHECK(trust.trusted(t0));
  CHECK_FALSE(trust.trusted(t0 + 1ms));
}

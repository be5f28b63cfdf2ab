#pragma once
// An instant written as RFC 3339 text, for tables of times in the tests.

#include "model/time.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace jobforge::test {

/// The instant `rfc3339` names; fails the test when it names none.
inline timestamp utc(const std::string& rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  INFO(rfc3339);
  REQUIRE(t);
  return *t;
}

}  // namespace jobforge::test

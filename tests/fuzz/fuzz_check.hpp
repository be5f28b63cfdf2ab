#pragma once
/// The fuzz targets' assertion: a broken property is a crash libFuzzer
/// records (with the input), whatever the build's NDEBUG.

#include <cstdio>
#include <cstdlib>
#include <utility>

#define FUZZ_CHECK(condition)                                                               \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

/// Checks that `encoded`, read and written again by `trip` (which checks
/// that it reads), settles at once: what the first trip writes, every later
/// trip writes unchanged. (Boost.JSON 1.81 alone reads some doubles a bit
/// off, so numbers drifted from trip to trip; every entry point reads them
/// with model/exact_json_parse.hpp.)
template <class Encoded, class Trip>
void check_settles(Encoded encoded, Trip trip) {
  const Encoded settled = trip(encoded);
  FUZZ_CHECK(trip(settled) == settled && "the encoding settles");
}

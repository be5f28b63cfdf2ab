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

/// Checks that `encoded`, read and written again by `trip` over and over
/// (`trip` checks that it reads), settles: it comes back unchanged, or
/// flips between two forms. Boost.JSON 1.81 does not read every double
/// exactly: "9.99E56" reads as the double that prints 9.990000000000001E56,
/// which reads as the one that prints 9.99E56 (tests/fuzz/README.md), so a
/// value holding such a double changes in its last bit at every trip;
/// anything else must come back unchanged.
template <class Encoded, class Trip>
void check_settles(Encoded encoded, Trip trip) {
  Encoded previous = encoded;
  Encoded current = trip(encoded);
  for (int i = 0; i < 4; ++i) {
    Encoded next = trip(current);
    if (next == current || next == previous) return;
    previous = std::move(current);
    current = std::move(next);
  }
  FUZZ_CHECK(!"the encoding settles");
}

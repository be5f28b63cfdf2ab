#pragma once
/// Randomness is injected: ids and jitter draw from a `random_source`, so
/// tests can use a seeded one and production a real one.

#include <cstdint>
#include <memory>

namespace jobforge {

/// A source of uniformly distributed random bits.
class random_source {
 public:
  virtual ~random_source() = default;
  /// 64 uniformly random bits.
  virtual std::uint64_t next_u64() = 0;
  /// A uniform draw from [0, 1).
  double uniform01();
};

/// Cryptographically strong randomness: OpenSSL's generator, seeded by the
/// operating system, read in blocks. Thread-safe.
std::shared_ptr<random_source> make_system_random();

/// A deterministic pseudo-random source for tests and simulations.
std::unique_ptr<random_source> make_seeded_random(std::uint64_t seed);

}  // namespace jobforge

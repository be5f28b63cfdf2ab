#pragma once
// A random source that always returns the same bits, for exact bounds.

#include "model/random_source.hpp"

#include <cstdint>

namespace jobforge::test {

class constant_random final : public random_source {
 public:
  explicit constant_random(std::uint64_t bits) : bits_(bits) {}
  std::uint64_t next_u64() override { return bits_; }

 private:
  std::uint64_t bits_;
};

}  // namespace jobforge::test

#pragma once
/// Counts per period (a second, ten seconds...) for the last `N` periods, in
/// a fixed ring: O(1) per count, constant memory. A period is any
/// non-negative integer that grows with time (unix seconds / width). Counts
/// of a period older than the ring holds are dropped. Not thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>

namespace jobforge {

template <std::size_t N>
class count_ring {
 public:
  count_ring() { period_.fill(-1); }

  /// Adds `n` to `period`'s count.
  void add(std::int64_t period, std::uint64_t n = 1) {
    if (period < 0) return;
    if (period > newest_) newest_ = period;
    if (period <= newest_ - static_cast<std::int64_t>(N)) return;  // too old to keep
    const auto i = static_cast<std::size_t>(period % static_cast<std::int64_t>(N));
    if (period_[i] != period) {
      period_[i] = period;
      counts_[i] = 0;
    }
    counts_[i] += n;
  }

  /// The count of `period` (0 when it is not held).
  std::uint64_t at(std::int64_t period) const {
    if (period < 0) return 0;
    const auto i = static_cast<std::size_t>(period % static_cast<std::int64_t>(N));
    return period_[i] == period ? counts_[i] : 0;
  }

  /// The counts of the periods first..last, both included.
  std::uint64_t sum(std::int64_t first, std::int64_t last) const {
    std::uint64_t total = 0;
    for (std::int64_t p = first; p <= last; ++p)
      total += at(p);
    return total;
  }

  static constexpr std::size_t size() { return N; }

 private:
  std::array<std::int64_t, N> period_;
  std::array<std::uint64_t, N> counts_{};
  std::int64_t newest_ = -1;
};

}  // namespace jobforge

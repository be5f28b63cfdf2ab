#pragma once
/// Running figures per job type, fed one status change at a time (for
/// `GET /api/stats`, the job types' stats and the metrics): counts of what
/// started, completed, failed, was retried or canceled; run and wait times
/// (average and 95th percentile); and throughput over a recent window.
/// Not thread-safe: its owner serialises access.

#include "model/count_ring.hpp"
#include "model/status.hpp"
#include "model/time.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge {

/// Durations in logarithmic buckets (about 19% wide), for percentiles in
/// constant memory.
class duration_histogram {
 public:
  void add(milliseconds d);
  std::uint64_t count() const { return count_; }
  /// The mean; 0 when empty.
  double average_ms() const;
  /// An upper estimate of the q-quantile (0 < q <= 1); 0 when empty.
  double quantile_ms(double q) const;
  /// Adds every duration of `other`.
  void merge(const duration_histogram& other);

 private:
  static constexpr std::size_t buckets = 128;
  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t count_ = 0;
  double sum_ms_ = 0;
};

/// The figures of one job type.
struct type_statistics {
  std::uint64_t submitted = 0;
  std::uint64_t started = 0;  ///< attempts
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;  ///< dead-lettered
  std::uint64_t retried = 0;
  std::uint64_t canceled = 0;
  duration_histogram run_time;   ///< running -> the status after it
  duration_histogram wait_time;  ///< pending -> running
  count_ring<60> completions;    ///< per unix second, the last minute
  /// failed / (completed + failed); 0 before anything finished.
  double failure_rate() const;
  /// Jobs completed per second over the minute before `now`.
  double completed_per_second(timestamp now) const;
};

class job_statistics {
 public:
  /// One status change of a job of `type` at `at`, after `in_previous` in
  /// the status it left (`from` absent: a submission).
  void record(std::string_view type, std::optional<job_status> from, job_status to,
              milliseconds in_previous, timestamp at);

  /// A type's figures (all zero when it has seen nothing).
  type_statistics of(std::string_view type) const;
  /// Every type that has seen a change, by name.
  const std::map<std::string, type_statistics, std::less<>>& by_type() const { return types_; }

  /// Jobs completed per second over the `window` before `now` (at most
  /// ten minutes are remembered).
  double throughput(timestamp now, std::chrono::seconds window = std::chrono::seconds{60}) const;

 private:
  std::map<std::string, type_statistics, std::less<>> types_;
  /// Completions per whole second, oldest first, for the last ten minutes.
  std::deque<std::pair<std::int64_t, std::uint64_t>> completions_;
};

}  // namespace jobforge

#pragma once
/// The server's recent past for the dashboard's live figures (GET
/// /api/stats/series, SSE `event: stats`): jobs completed and failed
/// (dead-lettered) in each second of the last 15 minutes, wait and run times
/// in windows of ten seconds (for p50 and p95), and the errors of failed
/// attempts grouped by type and code. Everything lives in fixed rings fed one
/// status change at a time: O(1) per change, constant memory, and nothing is
/// ever read from the store to draw a chart. Not thread-safe: its owner
/// serialises access.

#include "model/count_ring.hpp"
#include "model/job_error.hpp"
#include "model/job_statistics.hpp"
#include "model/status.hpp"
#include "model/time.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobforge {

class stats_series {
 public:
  static constexpr std::int64_t seconds_kept = 900;   ///< 15 minutes, one count per second
  static constexpr std::int64_t window_seconds = 10;  ///< width of a latency window
  static constexpr std::int64_t windows_kept = seconds_kept / window_seconds;
  /// Distinct (type, error code) groups followed at once; the one seen
  /// longest ago makes room for a new one.
  static constexpr std::size_t error_groups_kept = 256;

  /// One status change of a job of `type` at `at`, after `in_previous` in
  /// the status it left; `error` is the failed attempt's, if any.
  void record(std::string_view type, std::optional<job_status> from, job_status to,
              milliseconds in_previous, timestamp at, const job_error* error = nullptr);

  /// Completed and failed counts of the `seconds` seconds up to `now`'s
  /// (included), oldest first; `from` is the unix second of the first.
  struct per_second {
    std::int64_t from = 0;
    std::vector<std::uint64_t> completed;
    std::vector<std::uint64_t> failed;
  };
  per_second counts(timestamp now, std::int64_t seconds) const;

  /// Wait and run times of one window (or of several merged).
  struct latency {
    std::int64_t from = 0;  ///< unix second the window starts at
    duration_histogram wait;
    duration_histogram run;
  };
  /// The windows covering the `seconds` up to `now`, oldest first.
  std::vector<latency> windows(timestamp now, std::int64_t seconds) const;
  /// The windows of the last `seconds` up to `now` merged into one.
  latency merged(timestamp now, std::int64_t seconds) const;

  /// Failed attempts (retried or dead-lettered) of one type with one code.
  struct error_group {
    std::string type;
    std::string code;
    std::string message;  ///< the latest one
    std::uint64_t count = 0;
    timestamp last_at{};
  };
  /// The `limit` groups with the most failed attempts in the `seconds` up
  /// to `now`, most first (ties: the latest first).
  std::vector<error_group> top_errors(timestamp now, std::int64_t seconds, std::size_t limit) const;

 private:
  struct window_slot {
    std::int64_t period = -1;
    duration_histogram wait;
    duration_histogram run;
  };
  struct error_tally {
    std::string message;
    timestamp last_at{};
    count_ring<windows_kept> per_window;
  };
  window_slot& window_at(std::int64_t period);

  count_ring<seconds_kept> completed_;
  count_ring<seconds_kept> failed_;
  std::array<window_slot, windows_kept> windows_;
  std::int64_t newest_window_ = -1;
  std::map<std::pair<std::string, std::string>, error_tally> errors_;
};

}  // namespace jobforge

#pragma once
/// Priorities and aging. Effective priority rises linearly with waiting time,
/// so that no job starves; `dispatch_key` turns that into a time-independent
/// sort key, so a scheduler can keep jobs in an ordered set and dispatch in
/// O(log n) without ever re-sorting.

#include "model/time.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace jobforge {

/// A job's base priority.
enum class priority : std::uint8_t { low = 0, normal = 1, high = 2, critical = 3 };

std::string_view to_string(priority p);
std::optional<priority> parse_priority(std::string_view text);

/// How fast waiting jobs gain priority.
struct aging_policy {
  /// Waiting time that raises a job by one priority level; zero disables aging.
  milliseconds per_level{60'000};
};

/// The base level plus one level per `per_level` waited (fractional).
double effective_priority(priority base, milliseconds waited, const aging_policy& aging);

/// A sort key that orders jobs by effective priority (highest first), then
/// by age (oldest first), then by submission sequence. Because every job
/// ages at the same rate, the order between two waiting jobs never changes
/// over time, and the key can be computed once at enqueue.
struct dispatch_key {
  std::int64_t score = 0;  ///< larger runs first
  timestamp enqueued_at{};
  std::uint64_t sequence = 0;

  /// Whether `a` should be dispatched before `b`.
  friend bool operator<(const dispatch_key& a, const dispatch_key& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.enqueued_at != b.enqueued_at) return a.enqueued_at < b.enqueued_at;
    return a.sequence < b.sequence;
  }
  friend bool operator==(const dispatch_key& a, const dispatch_key& b) {
    return a.score == b.score && a.enqueued_at == b.enqueued_at && a.sequence == b.sequence;
  }
};

/// The dispatch key of a job of priority `base` waiting since `enqueued_at`.
dispatch_key make_dispatch_key(priority base, timestamp enqueued_at, std::uint64_t sequence,
                               const aging_policy& aging);

}  // namespace jobforge

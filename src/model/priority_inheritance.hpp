#pragma once
/// Priority inheritance over the dependency graph: a job that others wait
/// on competes at the highest priority among its own and its waiters'
/// (directly or through other waiting jobs), for as long as they wait.
/// Without it a critical job blocked on a low one waits behind every normal
/// job queued meanwhile: the priority inversion of lock-based schedulers.
///
///   effective(j) = max(own(j), max over jobs c waiting on j of effective(c))
///
/// Kept incrementally: each job that has waiters counts them by effective
/// priority level (four counters), so adding or removing an edge costs
/// O(1) plus one step per ancestor whose effective priority really moves,
/// whatever the fan-in (a parent with 100,000 children is never rescanned).
///
/// The caller keeps `dependency_graph` and this in step: every edge added
/// is announced with `waits`, every edge removed with `stops_waiting`
/// (before or after the graph's own edit, as each says).

#include "model/dependency_graph.hpp"
#include "model/job_id.hpp"
#include "model/priority.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace jobforge {

class priority_inheritance {
 public:
  /// A job's own priority (its base, as submitted or last changed).
  using own_fn = std::function<priority(const job_id&)>;
  /// Called once for each job whose effective priority moved, with the new one.
  using changed_fn = std::function<void(const job_id&, priority)>;

  /// The priority `id` competes at, given its own.
  priority effective(const job_id& id, priority own) const;

  /// The highest priority lent to `id` by its waiters, if above `own`.
  std::optional<priority> lent(const job_id& id, priority own) const;

  /// `child` now waits on each of `parents` (edges already in `g`).
  void waits(const dependency_graph& g, const job_id& child, const std::vector<job_id>& parents,
             const own_fn& own, const changed_fn& changed);

  /// `child` no longer waits on `parents` (edges already gone from `g`).
  void stops_waiting(const dependency_graph& g, const job_id& child,
                     const std::vector<job_id>& parents, const own_fn& own,
                     const changed_fn& changed);

  /// `id`'s own priority moved from `before` (it is `own(id)` now).
  void own_changed(const dependency_graph& g, const job_id& id, priority before, const own_fn& own,
                   const changed_fn& changed);

  /// Drops what a job that left the graph (with no edges any more) held.
  void forget(const job_id& id) { waiters_.erase(id); }

  /// Jobs that have waiters (for tests and sizing).
  std::size_t tracked() const { return waiters_.size(); }

 private:
  using level_counts = std::array<std::uint32_t, 4>;
  /// Moves one waiter's contribution to each of `parents` from level `from`
  /// to `to` (either may be absent: an edge added or removed), then follows
  /// every parent whose effective priority moved.
  void shift(const dependency_graph& g, const std::vector<job_id>& parents,
             std::optional<priority> from, std::optional<priority> to, const own_fn& own,
             const changed_fn& changed);

  std::unordered_map<job_id, level_counts> waiters_;
};

}  // namespace jobforge

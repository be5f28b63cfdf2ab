#pragma once
/// The graph of "child depends on parent" edges between job ids, with cycle
/// detection when edges are added. Iterative, so long chains cannot blow the
/// stack.

#include "model/error.hpp"
#include "model/job_id.hpp"

#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobforge {

/// Directed edges child -> parent with both directions indexed.
class dependency_graph {
 public:
  /// Adds edges child -> each parent, all or nothing. Fails with
  /// `dependency_cycle` when a parent is the child itself or (transitively)
  /// depends on the child; the error's details name the offending parent.
  expected<void> add(const job_id& child, const std::vector<job_id>& parents);

  /// Whether adding child -> parents would close a cycle.
  bool would_cycle(const job_id& child, const std::vector<job_id>& parents) const;

  /// Removes one edge; absent edges are ignored.
  void remove_edge(const job_id& child, const job_id& parent);

  /// Removes the child's edges to its parents (it no longer waits), keeping
  /// the edges of jobs that wait on it.
  void remove_parents(const job_id& child);

  /// Removes a job and every edge touching it.
  void remove(const job_id& id);

  std::vector<job_id> parents_of(const job_id& child) const;
  std::vector<job_id> children_of(const job_id& parent) const;
  bool contains(const job_id& id) const;
  std::size_t edge_count() const { return edges_; }

 private:
  std::unordered_map<job_id, std::unordered_set<job_id>> parents_;
  std::unordered_map<job_id, std::unordered_set<job_id>> children_;
  std::size_t edges_ = 0;
};

}  // namespace jobforge

#pragma once
/// The placement rule of the scheduler: the cluster's executor slots by
/// node (the coordinator's own executors are one node), which job types each
/// node runs, and which node a job of a type takes its slot from. Counts
/// only: the scheduler keeps the executors themselves beside it.
///
/// A job goes to a node that runs its type and has an idle slot; among
/// those, to the one with the most idle slots (so work spreads over the
/// nodes instead of filling the first), the earlier node on a tie.

#include "model/type_set.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

/// Executor slots by node.
class executor_capacity {
 public:
  /// Declares a node that runs `types`; answers its index, which stays
  /// valid for good (a node that left keeps its index, with no slots).
  std::size_t add_node(std::string name, type_set types);

  /// `node` offered one more slot (idle).
  void slot_offered(std::size_t node);
  /// An idle slot of `node` was handed to a job.
  void slot_taken(std::size_t node);
  /// A busy slot of `node` was given back (idle again).
  void slot_returned(std::size_t node);
  /// A slot of `node` went away (idle or busy).
  void slot_gone(std::size_t node, bool was_busy);
  /// `node` left the cluster: it has no slots and runs nothing any more.
  void node_gone(std::size_t node);

  /// The types some idle slot can run now.
  const type_set& runnable_now();
  /// Whether some node that is up runs `type` (idle or not).
  bool runs(std::size_t type) const;
  /// The node an idle slot for `type` is taken from, if any.
  std::optional<std::size_t> place(std::size_t type) const;

  std::size_t idle(std::size_t node) const { return nodes_[node].idle; }
  std::size_t busy(std::size_t node) const { return nodes_[node].busy; }
  std::size_t total_idle() const { return total_idle_; }
  std::size_t total() const { return total_idle_ + total_busy_; }
  std::size_t node_count() const { return nodes_.size(); }
  const std::string& name(std::size_t node) const { return nodes_[node].name; }
  bool up(std::size_t node) const { return nodes_[node].up; }

 private:
  struct node_slots {
    std::string name;
    type_set types;
    std::size_t idle = 0;
    std::size_t busy = 0;
    bool up = true;
  };
  std::vector<node_slots> nodes_;
  std::size_t total_idle_ = 0;
  std::size_t total_busy_ = 0;
  type_set runnable_;
  bool runnable_stale_ = true;
};

}  // namespace jobforge

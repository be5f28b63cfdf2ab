#include "model/executor_capacity.hpp"

#include <utility>

namespace jobforge {

std::size_t executor_capacity::add_node(std::string name, type_set types) {
  nodes_.push_back(node_slots{std::move(name), std::move(types), 0, 0, true});
  return nodes_.size() - 1;
}

void executor_capacity::slot_offered(std::size_t n) {
  auto& nd = nodes_[n];
  if (!nd.up) return;
  if (nd.idle == 0) runnable_stale_ = true;
  ++nd.idle;
  ++total_idle_;
}

void executor_capacity::slot_returned(std::size_t n) {
  auto& nd = nodes_[n];
  if (nd.busy == 0) return;
  --nd.busy;
  --total_busy_;
  slot_offered(n);
}

void executor_capacity::slot_taken(std::size_t n) {
  auto& nd = nodes_[n];
  if (nd.idle == 0) return;
  --nd.idle;
  --total_idle_;
  ++nd.busy;
  ++total_busy_;
  if (nd.idle == 0) runnable_stale_ = true;
}

void executor_capacity::slot_gone(std::size_t n, bool was_busy) {
  auto& nd = nodes_[n];
  if (was_busy) {
    if (nd.busy > 0) {
      --nd.busy;
      --total_busy_;
    }
    return;
  }
  if (nd.idle == 0) return;
  --nd.idle;
  --total_idle_;
  if (nd.idle == 0) runnable_stale_ = true;
}

void executor_capacity::node_gone(std::size_t n) {
  auto& nd = nodes_[n];
  total_idle_ -= nd.idle;
  total_busy_ -= nd.busy;
  nd.idle = 0;
  nd.busy = 0;
  nd.up = false;
  runnable_stale_ = true;
}

const type_set& executor_capacity::runnable_now() {
  if (runnable_stale_) {
    runnable_ = type_set{};
    for (const auto& nd : nodes_)
      if (nd.up && nd.idle > 0) runnable_.merge(nd.types);
    runnable_stale_ = false;
  }
  return runnable_;
}

bool executor_capacity::runs(std::size_t type) const {
  for (const auto& nd : nodes_)
    if (nd.up && nd.idle + nd.busy > 0 && nd.types.contains(type)) return true;
  return false;
}

std::optional<std::size_t> executor_capacity::place(std::size_t type) const {
  std::optional<std::size_t> best;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const auto& nd = nodes_[n];
    if (!nd.up || nd.idle == 0 || !nd.types.contains(type)) continue;
    if (!best || nd.idle > nodes_[*best].idle) best = n;
  }
  return best;
}

}  // namespace jobforge

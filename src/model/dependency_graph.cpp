#include "model/dependency_graph.hpp"

#include <boost/json/object.hpp>

namespace jobforge {

bool dependency_graph::would_cycle(const job_id& child, const std::vector<job_id>& parents) const {
  // A cycle closes iff the child is reachable from a parent along
  // "depends on" edges (or is a parent itself). Iterative DFS.
  if (children_.count(child) == 0) {
    // Nothing depends on the child (always so for a new job): only a direct
    // self-dependency can close a cycle.
    for (const auto& p : parents)
      if (p == child) return true;
    return false;
  }
  std::unordered_set<job_id> seen;
  std::vector<job_id> stack(parents.begin(), parents.end());
  while (!stack.empty()) {
    const job_id current = stack.back();
    stack.pop_back();
    if (current == child) return true;
    if (!seen.insert(current).second) continue;
    if (auto it = parents_.find(current); it != parents_.end())
      for (const auto& p : it->second)
        stack.push_back(p);
  }
  return false;
}

expected<void> dependency_graph::add(const job_id& child, const std::vector<job_id>& parents) {
  if (!would_cycle(child, parents)) {
    for (const auto& p : parents) {
      if (parents_[child].insert(p).second) {
        children_[p].insert(child);
        ++edges_;
      }
    }
    return {};
  }
  for (const auto& p : parents) {
    if (would_cycle(child, {p})) {
      return error{
          error_code::dependency_cycle,
          "depending on " + to_string(p) + " would make " + to_string(child) + " wait for itself",
          boost::json::object{{"job_id", to_string(child)}, {"parent", to_string(p)}}};
    }
  }
  return {};  // unreachable: some parent closes the cycle
}

void dependency_graph::remove_edge(const job_id& child, const job_id& parent) {
  auto it = parents_.find(child);
  if (it == parents_.end() || it->second.erase(parent) == 0) return;
  --edges_;
  if (it->second.empty()) parents_.erase(it);
  if (auto c = children_.find(parent); c != children_.end()) {
    c->second.erase(child);
    if (c->second.empty()) children_.erase(c);
  }
}

void dependency_graph::remove_parents(const job_id& child) {
  for (const auto& p : parents_of(child))
    remove_edge(child, p);
}

void dependency_graph::remove(const job_id& id) {
  for (const auto& p : parents_of(id))
    remove_edge(id, p);
  for (const auto& c : children_of(id))
    remove_edge(c, id);
}

std::vector<job_id> dependency_graph::parents_of(const job_id& child) const {
  auto it = parents_.find(child);
  if (it == parents_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<job_id> dependency_graph::children_of(const job_id& parent) const {
  auto it = children_.find(parent);
  if (it == children_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

bool dependency_graph::contains(const job_id& id) const {
  return parents_.count(id) > 0 || children_.count(id) > 0;
}

}  // namespace jobforge

#include "model/priority_inheritance.hpp"

#include <deque>

namespace jobforge {

std::optional<priority> priority_inheritance::lent(const job_id& id, priority own) const {
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return std::nullopt;
  for (int level = 3; level > static_cast<int>(own); --level)
    if (it->second[static_cast<std::size_t>(level)] > 0) return static_cast<priority>(level);
  return std::nullopt;
}

priority priority_inheritance::effective(const job_id& id, priority own) const {
  return lent(id, own).value_or(own);
}

void priority_inheritance::waits(const dependency_graph& g, const job_id& child,
                                 const std::vector<job_id>& parents, const own_fn& own,
                                 const changed_fn& changed) {
  shift(g, parents, std::nullopt, effective(child, own(child)), own, changed);
}

void priority_inheritance::stops_waiting(const dependency_graph& g, const job_id& child,
                                         const std::vector<job_id>& parents, const own_fn& own,
                                         const changed_fn& changed) {
  shift(g, parents, effective(child, own(child)), std::nullopt, own, changed);
}

void priority_inheritance::own_changed(const dependency_graph& g, const job_id& id, priority before,
                                       const own_fn& own, const changed_fn& changed) {
  const priority was = effective(id, before);
  const priority is = effective(id, own(id));
  if (was == is) return;
  changed(id, is);
  shift(g, g.parents_of(id), was, is, own, changed);
}

void priority_inheritance::shift(const dependency_graph& g, const std::vector<job_id>& parents,
                                 std::optional<priority> from, std::optional<priority> to,
                                 const own_fn& own, const changed_fn& changed) {
  struct step {
    std::vector<job_id> parents;
    std::optional<priority> from;
    std::optional<priority> to;
  };
  // Iterative, like the graph's own walks: a long chain must not grow the stack.
  std::deque<step> work{step{parents, from, to}};
  while (!work.empty()) {
    step s = std::move(work.front());
    work.pop_front();
    if (s.from == s.to) continue;
    for (const auto& p : s.parents) {
      const priority own_p = own(p);
      const priority before = effective(p, own_p);
      auto& counts = waiters_[p];
      if (s.from && counts[static_cast<std::size_t>(*s.from)] > 0)
        --counts[static_cast<std::size_t>(*s.from)];
      if (s.to) ++counts[static_cast<std::size_t>(*s.to)];
      if (counts == level_counts{}) waiters_.erase(p);
      const priority after = effective(p, own_p);
      if (after == before) continue;
      changed(p, after);
      work.push_back(step{g.parents_of(p), before, after});
    }
  }
}

}  // namespace jobforge

#include "actors/recovery.hpp"

#include <unordered_map>

namespace jobforge {

expected<std::shared_ptr<recovered_state>> load_recovered_state(store& backend, timestamp now) {
  auto out = std::make_shared<recovered_state>();
  auto unfinished = backend.load_unfinished_summaries();
  if (!unfinished) return std::move(unfinished).error_value();
  out->unfinished = std::move(unfinished).value();
  auto claims = backend.load_dedup_claims(now);
  if (!claims) return std::move(claims).error_value();
  out->claims = std::move(claims).value();

  // The parents of blocked jobs, and whether each is unfinished itself: a
  // set of those few, not of every unfinished job.
  std::unordered_map<job_id, bool> parents;
  for (const auto& j : out->unfinished)
    if (j.status == job_status::blocked)
      for (const auto& parent : j.dependencies.depends_on)
        parents.emplace(parent, false);
  if (!parents.empty())
    for (const auto& j : out->unfinished)
      if (auto it = parents.find(j.id); it != parents.end()) it->second = true;
  for (const auto& [parent, still_waiting] : parents) {
    if (still_waiting) continue;
    auto found = backend.get(parent);
    if (!found) return std::move(found).error_value();
    // Retention may have pruned a parent long finished; its outcome is
    // unknown, and assuming success could run a child that must not run.
    out->finished_parents.emplace(parent,
                                  found.value() ? found.value()->status : job_status::failed);
  }
  return out;
}

}  // namespace jobforge

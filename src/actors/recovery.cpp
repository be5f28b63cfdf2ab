#include "actors/recovery.hpp"

#include <unordered_set>

namespace jobforge {

expected<std::shared_ptr<recovered_state>> load_recovered_state(store& backend, timestamp now) {
  auto out = std::make_shared<recovered_state>();
  auto unfinished = backend.load_unfinished_summaries();
  if (!unfinished) return std::move(unfinished).error_value();
  out->unfinished = std::move(unfinished).value();
  auto claims = backend.load_dedup_claims(now);
  if (!claims) return std::move(claims).error_value();
  out->claims = std::move(claims).value();

  std::unordered_set<job_id> live;
  live.reserve(out->unfinished.size());
  for (const auto& j : out->unfinished)
    live.insert(j.id);
  for (const auto& j : out->unfinished) {
    if (j.status != job_status::blocked) continue;
    for (const auto& parent : j.dependencies.depends_on) {
      if (live.count(parent) || out->finished_parents.count(parent)) continue;
      auto found = backend.get(parent);
      if (!found) return std::move(found).error_value();
      // Retention may have pruned a parent long finished; its outcome is
      // unknown, and assuming success could run a child that must not run.
      out->finished_parents.emplace(parent,
                                    found.value() ? found.value()->status : job_status::failed);
    }
  }
  return out;
}

}  // namespace jobforge

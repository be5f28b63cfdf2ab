#include "store/coalesce.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace jobforge {

std::vector<store_write> coalesce_writes(std::vector<store_write> batch) {
  if (batch.size() < 2) return batch;
  // Each job's kept write, by its index in `kept`: a dropped creation makes
  // the write that supersedes it the job's first.
  std::unordered_map<job_id, std::size_t> seen;
  seen.reserve(batch.size());
  std::unordered_set<std::string> seen_schedules;
  std::vector<store_write> kept;
  kept.reserve(batch.size());
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    const job_id* id = nullptr;
    const std::string* schedule = nullptr;
    if (const auto* put = std::get_if<put_job>(&*it)) {
      if (put->snapshot) id = &put->snapshot->id;
    } else if (const auto* erase = std::get_if<erase_job>(&*it)) {
      id = &erase->id;
    } else if (const auto* sched = std::get_if<put_schedule>(&*it)) {
      if (sched->record) schedule = &sched->record->name;
    } else {
      schedule = &std::get<erase_schedule>(*it).name;
    }
    if (id) {
      const auto [kept_at, first] = seen.emplace(*id, kept.size());
      if (!first) {
        const auto* dropped = std::get_if<put_job>(&*it);
        if (dropped && dropped->created)
          if (auto* later = std::get_if<put_job>(&kept[kept_at->second])) later->created = true;
        continue;
      }
    }
    if (schedule && !seen_schedules.insert(*schedule).second) continue;
    kept.push_back(std::move(*it));
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

}  // namespace jobforge

#include "store/coalesce.hpp"

#include <algorithm>
#include <unordered_set>

namespace jobforge {

std::vector<store_write> coalesce_writes(std::vector<store_write> batch) {
  if (batch.size() < 2) return batch;
  std::unordered_set<job_id> seen;
  seen.reserve(batch.size());
  std::vector<store_write> kept;
  kept.reserve(batch.size());
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    const job_id* id = nullptr;
    if (const auto* put = std::get_if<put_job>(&*it)) {
      if (put->snapshot) id = &put->snapshot->id;
    } else {
      id = &std::get<erase_job>(*it).id;
    }
    if (id && !seen.insert(*id).second) continue;
    kept.push_back(std::move(*it));
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

}  // namespace jobforge

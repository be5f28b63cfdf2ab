#pragma once
/// What a runtime picks up from its store at start-up: every job that had
/// not finished, the deduplication keys whose windows are still open, and
/// how the finished parents of blocked jobs ended. Read once, before the
/// store actor exists; the scheduler then resumes each job (scheduler/recovery.cpp).

#include "store/store.hpp"

#include <memory>
#include <unordered_map>
#include <vector>

namespace jobforge {

struct recovered_state {
  /// Summaries only: the whole jobs are read from the store when needed.
  std::vector<job_summary> unfinished;
  std::vector<dedup_claim> claims;
  /// The parents of blocked jobs that are no longer unfinished: how they
  /// ended (a parent gone from the store counts as failed).
  std::unordered_map<job_id, job_status> finished_parents;
};

/// Reads what recovery needs from `backend`; `now` bounds the open dedup windows.
expected<std::shared_ptr<recovered_state>> load_recovered_state(store& backend, timestamp now);

}  // namespace jobforge

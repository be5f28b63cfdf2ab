#include "model/job.hpp"

#include <algorithm>

namespace jobforge {

int attempts_before_replay(const job& j) {
  for (auto h = j.history.rbegin(); h != j.history.rend(); ++h)
    if (h->from == job_status::failed && h->to == job_status::pending) return h->attempt;
  return 0;
}

std::optional<timestamp> retry_window_start(const job& j) {
  std::optional<timestamp> first_start;
  for (auto h = j.history.rbegin(); h != j.history.rend(); ++h) {
    if (h->from == job_status::failed && h->to == job_status::pending) return h->at;
    if (h->to == job_status::running) first_start = h->at;
  }
  return first_start;
}

expected<void> transition(job& j, job_status to, timestamp now, const transition_note& note) {
  if (auto ok = check_transition(j.status, to); !ok) return ok;
  const job_status from = j.status;
  if (to == job_status::running) {
    ++j.attempts;
    j.started_at = now;
  }
  if (from == job_status::failed && to == job_status::pending) {
    const int budget = j.max_attempts - attempts_before_replay(j);
    j.max_attempts = j.attempts + std::max(1, budget);
    j.finished_at.reset();
  }
  if (to == job_status::completed || to == job_status::failed || to == job_status::canceled)
    j.finished_at = now;
  if (to == job_status::canceled) {
    j.canceled_at = now;
    if (!note.reason.empty()) j.cancel_reason = note.reason;
    if (!note.by.empty()) j.canceled_by = note.by;
  }
  if (from == job_status::retrying) j.next_attempt_at.reset();
  if (note.error) j.last_error = note.error;
  j.status = to;
  j.updated_at = now;
  j.history.push_back(history_entry{now, from, to, j.attempts, note.error, note.node, note.reason});
  return {};
}

}  // namespace jobforge

// The scheduler resuming the jobs a previous run left unfinished. It gets
// their summaries only: a job's whole document is read from the store when
// it is needed (its dispatch, a transition), so start-up reads no document
// except those of the jobs that were running (at most one per executor).
#include "actors/recovery.hpp"
#include "scheduler/scheduler_internal.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge::sched {
namespace {

// A job that was running when the process stopped: its attempt died with
// it, and at-least-once means it runs again, the interruption on record.
// Dispatch waits for these reads, and the interrupted jobs keep their place
// ahead of the jobs that were waiting.
void resume_interrupted(scheduler_actor* self, job_summary summary) {
  auto& st = self->state;
  const job_id id = summary.id;
  if (st.jobs.count(id)) return;
  live_job& interrupted = st.jobs[id];
  interrupted.waiting = waiting_record::of(summary);
  st.counts.add(interrupted, +1);
  const std::uint64_t place = ++st.sequence;
  ++st.interrupted_reads;
  with_document(self, id, [self, place](live_job* lj) {
    auto& s = self->state;
    if (lj != nullptr && !lj->canceling && lj->waiting.status == job_status::running) {
      auto pending = move(self, *lj->data, job_status::pending,
                          transition_note{job_error{"interrupted",
                                                    "the process stopped while this attempt was "
                                                    "running",
                                                    error_kind::crash},
                                          {},
                                          "recovered after a stop",
                                          {}});
      if (pending) {
        hold(self, *lj, pending);
        queue_ready(self, pending->id, *lj, now(self), place);
      }
    }
    if (--s.interrupted_reads == 0 && s.recovering) {
      s.recovering = false;
      try_dispatch(self);
    }
  });
}

}  // namespace

void recover(scheduler_actor* self, recovered_state& state) {
  auto& st = self->state;
  for (const auto& c : state.claims)
    st.dedup.remember(c.tenant, c.key, c.id, c.until);

  // Blocked jobs last: by then every parent that is still unfinished is
  // known to the scheduler, so admit wires the child to it.
  // Counted as an admission in flight: a job that ends while recovery runs
  // (a blocked job whose parents already failed) is then remembered, so
  // that a child admitted after it still counts its end.
  ++st.admissions_in_flight;
  st.recovering = true;
  st.jobs.reserve(state.unfinished.size());
  std::size_t interrupted = 0;
  std::vector<job_summary> blocked;
  for (auto& j : state.unfinished) {
    if (j.status != job_status::running) continue;
    ++interrupted;
    resume_interrupted(self, std::move(j));
  }
  for (auto& j : state.unfinished) {
    if (j.status == job_status::running) {
      continue;  // resumed above
    } else if (j.status == job_status::blocked) {
      blocked.push_back(std::move(j));
    } else {
      admit(self, j, nullptr);
    }
  }
  for (auto& j : blocked) {
    parent_tally tally;
    tally.total = static_cast<std::uint32_t>(j.dependencies.depends_on.size());
    std::vector<job_id> unfinished_parents;
    for (const auto& p : j.dependencies.depends_on) {
      auto ended = state.finished_parents.find(p);
      if (ended == state.finished_parents.end()) {
        unfinished_parents.push_back(p);
      } else if (ended->second == job_status::completed) {
        ++tally.completed;
      } else {
        ++tally.failed;
      }
    }
    admit(self, j, nullptr, tally, unfinished_parents);
  }
  if (--st.admissions_in_flight == 0) st.finished_during_admission.clear();
  if (!state.unfinished.empty())
    spdlog::info("recovered {} unfinished jobs ({} interrupted while running, {} blocked)",
                 state.unfinished.size(), interrupted, blocked.size());
  state = recovered_state{};             // the jobs live in the scheduler now
  if (st.interrupted_reads > 0) return;  // the last read ends recovery
  st.recovering = false;
  try_dispatch(self);  // arms the wake for the earliest timer too
}

}  // namespace jobforge::sched

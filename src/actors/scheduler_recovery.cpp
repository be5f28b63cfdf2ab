// The scheduler resuming the jobs a previous run left unfinished.
#include "actors/recovery.hpp"
#include "actors/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge::sched {

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
  std::vector<job_ptr> blocked;
  for (auto& j : state.unfinished) {
    job_ptr held;
    if (j.status == job_status::running) {
      // Its attempt died with the process: at-least-once means it runs again.
      ++interrupted;
      held = move(self, std::move(j), job_status::pending,
                  transition_note{
                      job_error{"interrupted", "the process stopped while this attempt was running",
                                error_kind::crash},
                      {},
                      "recovered after a stop",
                      {}});
      if (!held) continue;
    } else {
      held = std::make_shared<const job>(std::move(j));
    }
    if (held->status == job_status::blocked)
      blocked.push_back(std::move(held));
    else
      admit(self, std::move(held));
  }
  for (auto& j : blocked) {
    parent_tally tally;
    tally.total = j->dependencies.depends_on.size();
    std::vector<job_id> unfinished_parents;
    for (const auto& p : j->dependencies.depends_on) {
      auto ended = state.finished_parents.find(p);
      if (ended == state.finished_parents.end()) {
        unfinished_parents.push_back(p);
      } else if (ended->second == job_status::completed) {
        ++tally.completed;
      } else {
        ++tally.failed;
      }
    }
    admit(self, std::move(j), tally, unfinished_parents);
  }
  if (--st.admissions_in_flight == 0) st.finished_during_admission.clear();
  if (!state.unfinished.empty())
    spdlog::info("recovered {} unfinished jobs ({} interrupted while running, {} blocked)",
                 state.unfinished.size(), interrupted, blocked.size());
  state = recovered_state{};  // the jobs live in the scheduler now
  st.recovering = false;
  try_dispatch(self);  // arms the wake for the earliest timer too
}

}  // namespace jobforge::sched

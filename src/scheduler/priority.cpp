// Changing a job's priority before it starts (POST /api/jobs/{id}/priority):
// a job the scheduler holds and has not dispatched (scheduled, blocked or
// pending) takes the new priority in its document; a pending one also moves
// in the ready queue, keeping the time it has waited so far. A job that has
// started (running, or waiting for a retry under its supervisor), is being
// canceled or has finished is refused with a conflict naming its status.
// The history gets an entry that is not a transition (from and to are the
// job's status) naming the change and who asked for it.
#include "scheduler/fetch.hpp"
#include "scheduler/scheduler_internal.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace jobforge::sched {
namespace {

bool not_started(const live_job& lj) {
  return !lj.supervisor && !lj.canceling;
}

/// Answers why `id` cannot change priority, from its status in the store.
void refuse(scheduler_actor* self, const job_id& id, caf::response_promise promise) {
  const bool canceling = [&] {
    auto it = self->state.jobs.find(id);
    return it != self->state.jobs.end() && it->second.canceling;
  }();
  fetch(self, id, [id, canceling, promise](job_reply& r) mutable {
    if (!r) return promise.deliver(std::move(r));
    const std::string status(to_string(r->status));
    std::string why = "job " + to_string(id) + " is " + status;
    if (canceling)
      why = "job " + to_string(id) + " is being canceled";
    else if (!is_terminal(r->status) && r->status != job_status::running)
      why += " after an attempt";  // its supervisor holds it (a retry)
    promise.deliver(job_reply{error{
        error_code::conflict,
        why + ": only a job that has not started (scheduled, blocked or pending) can change its "
              "priority",
        boost::json::object{{"status", status}}}});
  });
}

}  // namespace

void change_priority(scheduler_actor* self, const job_id& id, priority p, const std::string& by,
                     caf::response_promise promise) {
  auto& st = self->state;
  auto it = st.jobs.find(id);
  if (it == st.jobs.end() || !not_started(it->second)) return refuse(self, id, promise);
  with_document(
      self, id,
      [self, id, p, by, promise](live_job* lj) mutable {
        auto& s = self->state;
        if (lj == nullptr || !not_started(*lj)) return refuse(self, id, promise);
        if (!lj->data)
          return promise.deliver(job_reply{
              error{error_code::unavailable, "job " + to_string(id) + " could not be read"}});
        const priority before = lj->data->priority;
        job_ptr answer = lj->data;
        if (before != p) {
          const timestamp t = now(self);
          job j = *lj->data;  // snapshots are replaced, never changed in place
          j.priority = p;
          j.inherited_priority = s.inheritance.lent(id, p);
          j.updated_at = t;
          // Not a transition: the status stays, and the entry says what
          // changed and who asked (the audit log has it too).
          history_entry note;
          note.at = t;
          note.from = j.status;
          note.to = j.status;
          note.attempt = j.attempts;
          note.node = s.env->config.node;
          note.reason = "priority " + std::string(to_string(p)) + " (was " +
                        std::string(to_string(before)) + ")" + (by.empty() ? "" : " by " + by);
          j.history.push_back(std::move(note));
          answer = std::make_shared<const job>(std::move(j));
          hold(self, *lj, answer);
          caf::anon_send(s.env->store, persist_atom::value,
                         std::vector<store_write>{put_job{answer}});
          // A pending job moves in the ready queue at once, keeping its
          // place in time; what it lends its parents moves with it.
          s.ready.reprioritize(id, competing_priority(self, id, p), s.env->config.aging, t);
          own_priority_changed(self, id, before);
        }
        release_document(self, *lj);
        promise.deliver(job_reply{*answer});
        try_dispatch(self);
      },
      if_unreadable::give_up);
}

}  // namespace jobforge::sched

// The scheduler's blocked jobs: what their parents' ends decide (run, at
// once or at run_at, or be canceled) and the edits of their parents
// (add_parents, remove_parent). A move needs the whole job: one held is
// moved at once, else it is read from the store first (with_document).
#include "scheduler/scheduler_internal.hpp"

#include "model/dependency.hpp"
#include "model/job_factory.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge::sched {

namespace {

/// The blocked job `id` as the scheduler holds it, or an error to answer with.
expected<live_job*> blocked_job(scheduler_actor* self, const job_id& id) {
  auto it = self->state.jobs.find(id);
  if (it == self->state.jobs.end())
    return error{error_code::conflict,
                 "job " + to_string(id) + " is not waiting on dependencies (unknown or finished)"};
  const live_job& lj = it->second;
  if (lj.supervisor || lj.waiting.status != job_status::blocked || lj.dependencies_met)
    return error{error_code::conflict,
                 "only a blocked job can change its dependencies; job " + to_string(id) + " has " +
                     (!lj.supervisor ? "status " + std::string(to_string(lj.waiting.status))
                                     : std::string("started"))};
  return &it->second;
}

/// Moves a blocked job whose parents decided it (to pending or canceled):
/// at once, returning the snapshot, when the scheduler holds the job; else
/// once it is read (nullptr now), settling what follows there.
job_ptr move_blocked(scheduler_actor* self, const job_id& id, job_status to,
                     transition_note note = {}) {
  const auto apply = [self, id, to, note](live_job& lj) -> job_ptr {
    auto moved = move(self, *lj.data, to, note);
    if (!moved) {
      if (to == job_status::canceled) forget(self, id);
      return nullptr;
    }
    hold(self, lj, moved);
    if (to == job_status::pending) queue_ready(self, id, lj, now(self));
    return moved;
  };
  live_job& lj = self->state.jobs.at(id);
  if (lj.data) return apply(lj);
  with_document(self, id, [self, apply](live_job* held) {
    if (held == nullptr || held->canceling || held->waiting.status != job_status::blocked) return;
    auto moved = apply(*held);
    if (moved && moved->status == job_status::canceled)
      on_terminal(self, moved);
    else
      try_dispatch(self);
  });
  return nullptr;
}

/// Re-decides a blocked job after its parents changed; returns what it moved
/// the job to at once, if anything.
job_ptr reconsider(scheduler_actor* self, const job_id& id) {
  auto moved = settle_blocked(self, id, now(self), "a dependency failed");
  if (moved && moved->status == job_status::canceled)
    on_terminal(self, moved);
  else
    try_dispatch(self);
  return moved;
}

}  // namespace

void on_dependency_timeout(scheduler_actor* self, const job_id& id) {
  auto& st = self->state;
  auto it = st.jobs.find(id);
  if (it == st.jobs.end()) return;
  live_job& lj = it->second;
  // Only a job still waiting: one its parents decided meanwhile (or one
  // being canceled or already released) goes its way.
  if (lj.supervisor || lj.canceling || lj.waiting.status != job_status::blocked ||
      lj.dependencies_met ||
      evaluate_dependencies(lj.waiting.rule(), lj.parents) != dependency_verdict::wait)
    return;
  const std::string why = "dependency timeout: " + std::to_string(lj.parents.unfinished()) +
                          " of " + std::to_string(lj.parents.total) + " parents unfinished";
  const timestamp t = now(self);
  unlink_parents(self, id);
  if (on_dependency_timeout(lj.waiting.rule()) == dependency_verdict::cancel) {
    if (auto moved = move_blocked(self, id, job_status::canceled,
                                  transition_note{std::nullopt, {}, why, "scheduler"}))
      on_terminal(self, moved);
    return;
  }
  lj.dependencies_met = true;
  if (lj.waiting.run_at && *lj.waiting.run_at > t) {
    st.timers.emplace(*lj.waiting.run_at, id);
    arm_wake(self);
    return;
  }
  move_blocked(self, id, job_status::pending, transition_note{std::nullopt, {}, why, {}});
  try_dispatch(self);
}

job_ptr settle_blocked(scheduler_actor* self, const job_id& id, timestamp t,
                       const std::string& cancel_reason) {
  auto& st = self->state;
  live_job& lj = st.jobs.at(id);
  switch (evaluate_dependencies(lj.waiting.rule(), lj.parents)) {
    case dependency_verdict::wait:
      return nullptr;
    case dependency_verdict::run:
      lj.dependencies_met = true;
      unlink_parents(self, id);
      if (lj.waiting.run_at && *lj.waiting.run_at > t) {
        st.timers.emplace(*lj.waiting.run_at, id);
        arm_wake(self);
        return nullptr;
      }
      return move_blocked(self, id, job_status::pending);
    case dependency_verdict::cancel:
      unlink_parents(self, id);
      return move_blocked(self, id, job_status::canceled,
                          transition_note{std::nullopt, {}, cancel_reason, "scheduler"});
  }
  return nullptr;
}

namespace {

// Edits a blocked job once the scheduler holds it whole; `edit(lj)` answers.
template <class Edit>
void edit_blocked(scheduler_actor* self, const job_id& id, caf::response_promise promise,
                  Edit edit) {
  if (auto held = blocked_job(self, id); !held) {
    promise.deliver(job_reply{std::move(held).error_value()});
    return;
  }
  // A client waits for the answer: a store that cannot return the job
  // refuses the edit (nothing changed) rather than hold the caller.
  with_document(
      self, id,
      [self, id, promise, edit](live_job*) mutable {
        auto held = blocked_job(self, id);  // again: it may have changed while it was read
        if (!held) return promise.deliver(job_reply{std::move(held).error_value()});
        if (!(*held)->data)
          return promise.deliver(job_reply{
              error{error_code::unavailable, "job " + to_string(id) + " could not be read"}});
        edit(**held);
      },
      if_unreadable::give_up);
}

// Makes an edited blocked job the one held and stored.
void keep_edit(scheduler_actor* self, live_job& lj, job j) {
  j.updated_at = now(self);
  hold(self, lj, std::make_shared<const job>(std::move(j)));
  caf::anon_send(self->state.env->store, persist_atom::value,
                 std::vector<store_write>{put_job{lj.data}});
}

}  // namespace

void add_parents(scheduler_actor* self, const job_id& id, const std::vector<job_id>& parents,
                 caf::response_promise promise) {
  edit_blocked(self, id, promise, [self, id, parents, promise](live_job& lj) mutable {
    auto& st = self->state;
    job j = *lj.data;  // snapshots are replaced, never changed in place
    std::vector<job_id> fresh;
    for (const auto& p : parents) {
      const auto& known = j.dependencies.depends_on;
      if (std::find(known.begin(), known.end(), p) != known.end() ||
          std::find(fresh.begin(), fresh.end(), p) != fresh.end())
        continue;
      if (!st.jobs.count(p)) {
        // Only jobs that have not finished can be waited on: a finished parent
        // would decide nothing new, an unknown one never ends.
        promise.deliver(job_reply{error{
            error_code::invalid_argument,
            "job " + to_string(p) + " is unknown or already finished and cannot become a parent",
            boost::json::object{{"parent", to_string(p)}}}});
        return;
      }
      fresh.push_back(p);
    }
    if (j.dependencies.depends_on.size() + fresh.size() > max_parents) {
      promise.deliver(job_reply{error{error_code::invalid_argument, "too many parents"}});
      return;
    }
    if (auto ok = link_parents(self, id, fresh); !ok) {
      promise.deliver(job_reply{std::move(ok).error_value()});
      return;
    }
    for (const auto& p : fresh)
      j.dependencies.depends_on.push_back(p);
    lj.parents.total += static_cast<std::uint32_t>(fresh.size());
    keep_edit(self, lj, std::move(j));
    promise.deliver(job_reply{*lj.data});
    release_document(self, lj);
  });
}

void remove_parent(scheduler_actor* self, const job_id& id, const job_id& parent,
                   caf::response_promise promise) {
  edit_blocked(self, id, promise, [self, id, parent, promise](live_job& lj) mutable {
    auto& st = self->state;
    job j = *lj.data;  // snapshots are replaced, never changed in place
    auto& parents = j.dependencies.depends_on;
    auto it = std::find(parents.begin(), parents.end(), parent);
    if (it == parents.end()) {
      promise.deliver(
          job_reply{error{error_code::not_found,
                          "job " + to_string(id) + " does not depend on " + to_string(parent)}});
      return;
    }
    if (!st.jobs.count(parent)) {
      // Its outcome is already counted; forgetting it would rewrite history.
      promise.deliver(job_reply{
          error{error_code::conflict, "parent " + to_string(parent) + " has already finished"}});
      return;
    }
    parents.erase(it);
    unlink_parent(self, id, parent);
    --lj.parents.total;
    keep_edit(self, lj, std::move(j));
    job answer = *lj.data;
    // The job is held whole here, so whatever the parents now decide
    // happens at once and is part of the answer.
    if (auto moved = reconsider(self, id)) answer = *moved;
    if (auto still = st.jobs.find(id); still != st.jobs.end() && !still->second.supervisor)
      release_document(self, still->second);
    promise.deliver(job_reply{answer});
  });
}

}  // namespace jobforge::sched

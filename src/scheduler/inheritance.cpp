// Priority inheritance in the scheduler: every edit of the dependency graph
// goes through here, so that the priorities lent along its edges
// (model/priority_inheritance.hpp) stay in step with it. A job whose
// effective priority moves is re-ranked in the ready queue at once, keeping
// its place in time, and, while the scheduler holds it (it has not started),
// the level it competes at is recorded in its document for the API.
#include "scheduler/scheduler_internal.hpp"

#include <caf/all.hpp>

namespace jobforge::sched {

namespace {

priority_inheritance::own_fn own_of(scheduler_actor* self) {
  return [self](const job_id& id) {
    const auto& jobs = self->state.jobs;
    auto it = jobs.find(id);
    return it == jobs.end() ? priority::low : it->second.waiting.priority;
  };
}

/// Records in the job's document what it competes at now, if that changed.
void record_inherited(scheduler_actor* self, const job_id& id) {
  with_document(self, id, [self, id](live_job* lj) {
    if (lj == nullptr || lj->canceling) return;
    auto& st = self->state;
    const auto lent = st.inheritance.lent(id, lj->waiting.priority);
    if (lj->data->inherited_priority != lent) {
      job j = *lj->data;  // snapshots are replaced, never changed in place
      j.inherited_priority = lent;
      j.updated_at = now(self);
      hold(self, *lj, std::make_shared<const job>(std::move(j)));
      caf::anon_send(st.env->store, persist_atom::value,
                     std::vector<store_write>{put_job{lj->data}});
    }
    release_document(self, *lj);
  });
}

priority_inheritance::changed_fn on_changed(scheduler_actor* self) {
  return [self](const job_id& id, priority p) {
    auto& st = self->state;
    auto it = st.jobs.find(id);
    if (it == st.jobs.end()) return;
    st.ready.reprioritize(id, p, st.env->config.aging, now(self));
    // A started job's document belongs to its supervisor; what it competes
    // at in a retry's queueing is still right (requeue asks for it).
    if (!it->second.supervisor && !it->second.canceling) record_inherited(self, id);
  };
}

}  // namespace

priority competing_priority(scheduler_actor* self, const job_id& id, priority own) {
  return self->state.inheritance.effective(id, own);
}

expected<void> link_parents(scheduler_actor* self, const job_id& child,
                            const std::vector<job_id>& parents) {
  auto& st = self->state;
  if (auto ok = st.graph.add(child, parents); !ok) return ok;
  st.inheritance.waits(st.graph, child, parents, own_of(self), on_changed(self));
  return {};
}

void unlink_parents(scheduler_actor* self, const job_id& child) {
  auto& st = self->state;
  const auto parents = st.graph.parents_of(child);
  if (parents.empty()) return;
  st.graph.remove_parents(child);
  st.inheritance.stops_waiting(st.graph, child, parents, own_of(self), on_changed(self));
}

void unlink_parent(scheduler_actor* self, const job_id& child, const job_id& parent) {
  auto& st = self->state;
  st.graph.remove_edge(child, parent);
  st.inheritance.stops_waiting(st.graph, child, {parent}, own_of(self), on_changed(self));
}

void unlink_job(scheduler_actor* self, const job_id& id) {
  auto& st = self->state;
  unlink_parents(self, id);
  st.graph.remove(id);  // its waiters' edges: what they lent it goes with it
  st.inheritance.forget(id);
}

void own_priority_changed(scheduler_actor* self, const job_id& id, priority before) {
  auto& st = self->state;
  st.inheritance.own_changed(st.graph, id, before, own_of(self), on_changed(self));
}

}  // namespace jobforge::sched

#include "scheduler/scheduler_internal.hpp"

#include "actors/store_writer.hpp"

#include "actors/event_hub.hpp"
#include "actors/job_supervisor.hpp"
#include "actors/send_after.hpp"
#include "actors/webhook_outbox.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {
namespace sched {

timestamp now(scheduler_actor* self) {
  return self->state.env->clock.at(self->clock().now());
}

void try_dispatch(scheduler_actor* self) {
  auto& st = self->state;
  // Draining: what waits stays where it is, for the next start. Recovering:
  // one dispatch round once every job is in, not one per job.
  if (st.draining || st.recovering) return;
  const timestamp t = now(self);
  while (st.capacity.total_idle() > 0) {
    // Only types some idle executor runs: a job whose type no node with a
    // free slot has waits, and does not hold up the others.
    auto picked = st.ready.pop(t, st.capacity.runnable_now());
    if (!picked) break;
    const auto node = st.capacity.place(*st.ready.type_index(picked->type));
    auto it = st.jobs.find(picked->id);
    if (!node || it == st.jobs.end()) {
      // Cannot happen: the queue and the map change together, and the
      // queue offered only types an idle slot runs.
      spdlog::error("scheduler: cannot dispatch job {}", to_string(picked->id));
      st.ready.finished(picked->type, t);
      continue;
    }
    auto& here = st.nodes[*node];
    executor_ref ex{std::move(here.idle.back()), here.name, here.session, here.link};
    here.idle.pop_back();
    st.capacity.slot_taken(*node);
    auto& slot =
        st.busy.emplace(ex.actor.address(), assignment{picked->id, picked->type, {}, *node})
            .first->second;
    live_job& lj = it->second;
    if (lj.supervisor) {
      slot.supervisor = lj.supervisor.address();
      self->send(lj.supervisor, run_atom::value, std::move(ex));
      continue;
    }
    // Without the whole job at hand, the supervisor reads it from the store.
    st.counts.add(lj, -1);
    lj.supervisor =
        self->spawn(job_supervisor, st.env, picked->id, std::move(lj.data), std::move(ex));
    st.counts.add(lj, +1);
    slot.supervisor = lj.supervisor.address();
    lj.data.reset();
    self->monitor(lj.supervisor);
  }
  arm_wake(self);
}

void arm_wake(scheduler_actor* self) {
  auto& st = self->state;
  const timestamp t = now(self);
  std::optional<timestamp> due;
  if (!st.timers.empty()) due = st.timers.begin()->first;
  if (!st.dependency_deadlines.empty() && (!due || st.dependency_deadlines.begin()->first < *due))
    due = st.dependency_deadlines.begin()->first;
  if (auto rate = st.ready.next_rate_wake(t); rate && (!due || *rate < *due)) due = rate;
  if (!due) return;
  // One wake in flight for the earliest time is enough; a later one that
  // fires early finds nothing due and re-arms.
  if (st.wake_armed && *st.wake_armed <= *due && *st.wake_armed >= t) return;
  st.wake_armed = *due;
  const auto delay = *due > t ? *due - t : milliseconds{0};
  send_after(self, caf::actor_cast<caf::actor>(self), delay, wake_atom::value);
}

void on_wake(scheduler_actor* self) {
  auto& st = self->state;
  st.wake_armed.reset();
  const timestamp t = now(self);
  const auto due = [](const live_job& lj) {
    const auto s = lj.waiting.status;
    return !lj.supervisor && !lj.canceling &&
           (s == job_status::scheduled || s == job_status::retrying ||
            (s == job_status::blocked && lj.dependencies_met));
  };
  // Jobs held whole move at once, and dispatch waits until all due ones are
  // queued (the best goes first); those read from the store move later.
  auto waking = std::make_shared<bool>(true);
  while (!st.timers.empty() && st.timers.begin()->first <= t) {
    const job_id id = st.timers.begin()->second;
    st.timers.erase(st.timers.begin());
    auto it = st.jobs.find(id);
    if (it == st.jobs.end() || !due(it->second)) continue;
    with_document(self, id, [self, due, waking](live_job* lj) {
      if (lj == nullptr || !due(*lj)) return;  // changed while it was read
      if (auto moved = move(self, *lj->data, job_status::pending)) {
        hold(self, *lj, moved);
        queue_ready(self, moved->id, *lj, now(self));
        if (!*waking) try_dispatch(self);
      }
    });
  }
  *waking = false;
  while (!st.dependency_deadlines.empty() && st.dependency_deadlines.begin()->first <= t) {
    const job_id id = st.dependency_deadlines.begin()->second;
    st.dependency_deadlines.erase(st.dependency_deadlines.begin());
    on_dependency_timeout(self, id);
  }
  st.ready.refresh_rates(t);
  try_dispatch(self);
}

void record(scheduler_actor* self, const job_ptr& j) {
  auto& st = self->state;
  std::vector<job_ptr> deliveries;
  caf::anon_send(st.env->store, persist_atom::value,
                 change_writes(*st.env, j, now(self), deliveries));
  // Queued by a message, not here: record runs inside loops over the jobs.
  if (!deliveries.empty()) self->send(self, admit_atom::value, std::move(deliveries));
  publish_change(self, *st.env, *j);
}

job_ptr move(scheduler_actor* self, job j, job_status to, transition_note note) {
  note.node = self->state.env->config.node;
  if (auto ok = transition(j, to, now(self), note); !ok) {
    spdlog::error("scheduler: job {}: {}", to_string(j.id), ok.error_value().message);
    return nullptr;
  }
  auto snapshot = std::make_shared<const job>(std::move(j));
  record(self, snapshot);
  return snapshot;
}

}  // namespace sched

caf::behavior scheduler(scheduler_actor* self, env_ptr env,
                        std::shared_ptr<recovered_state> recovered) {
  auto& st = self->state;
  st.env = std::move(env);
  const timestamp start = sched::now(self);
  for (const auto* type : st.env->types->list())
    st.ready.add_type(type->name, type->concurrency_limit, type->rate, start);
  if (recovered) sched::recover(self, *recovered);

  self->set_exit_handler([=](caf::exit_msg& msg) {
    // The runtime is stopping: take every supervisor down with us,
    // explicitly (never rely on waiting for all actors of the system). The
    // executors are their pools' to stop (a worker node's outlive us).
    auto& s = self->state;
    for (auto& [id, lj] : s.jobs)
      if (lj.supervisor) self->send_exit(lj.supervisor, msg.reason);
    for (auto& [id, promises] : s.waiters)
      for (auto& p : promises)
        p.deliver(job_reply{error{error_code::unavailable, "the runtime is shutting down"}});
    s.waiters.clear();
    for (auto& [id, promises] : s.cancel_waiters)
      for (auto& p : promises)
        p.deliver(job_reply{error{error_code::unavailable, "the runtime is shutting down"}});
    s.cancel_waiters.clear();
    self->quit(msg.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    // A supervisor ended. It gives back every slot it used; a slot still
    // marked for it was handed over in a message it never read (it had just
    // finished), so that executor is idle. Only a supervisor that died
    // abnormally may leave a handler running: replace that executor.
    if (sched::on_executor_down(self, dm.source, dm.reason)) return;
    auto& s = self->state;
    std::vector<caf::actor> held;
    for (const auto& [addr, a] : s.busy)
      if (a.supervisor == dm.source)
        if (auto ex = caf::actor_cast<caf::actor>(addr)) held.push_back(ex);
    const bool crashed = dm.reason && dm.reason != caf::exit_reason::normal;
    if (crashed) spdlog::error("scheduler: a job supervisor died: {}", to_string(dm.reason));
    for (const auto& ex : held)
      sched::release_slot(self, ex, crashed);
  });

  return {
      [=](submit_atom, job_request& req) {
        auto promise = self->make_response_promise();
        sched::submit(self, req, promise);
        return promise;
      },
      [=](submit_batch_atom, std::vector<batch_entry>& entries) {
        auto promise = self->make_response_promise();
        sched::submit_batch(self, entries, promise);
        return promise;
      },
      [=](fire_atom, schedule_firing& firing) {
        auto promise = self->make_response_promise();
        sched::submit_batch(self, firing.entries, promise, std::move(firing.record));
        return promise;
      },
      [=](cancel_atom, const job_id& id, const cancel_request& req) {
        auto promise = self->make_response_promise();
        sched::cancel(self, id, req, promise);
        return promise;
      },
      [=](wait_atom, const job_id& id) {
        auto promise = self->make_response_promise();
        sched::wait_for(self, id, promise);
        return promise;
      },
      [=](replay_atom, const job_id& id, replay_request& req) {
        auto promise = self->make_response_promise();
        sched::replay(self, id, req, promise);
        return promise;
      },
      [=](discard_atom, const job_id& id) {
        auto promise = self->make_response_promise();
        sched::discard(self, id, promise);
        return promise;
      },
      [=](depend_atom, const job_id& id, const std::vector<job_id>& parents) {
        auto promise = self->make_response_promise();
        sched::add_parents(self, id, parents, promise);
        return promise;
      },
      [=](undepend_atom, const job_id& id, const job_id& parent) {
        auto promise = self->make_response_promise();
        sched::remove_parent(self, id, parent, promise);
        return promise;
      },
      [=](priority_atom, const job_id& id, priority p, const std::string& by) {
        auto promise = self->make_response_promise();
        sched::change_priority(self, id, p, by, promise);
        return promise;
      },
      [=](pause_atom, const std::string& type) -> void_reply {
        if (!self->state.ready.has_type(type))
          return error{error_code::unknown_job_type, "unknown job type '" + type + "'"};
        self->state.ready.pause(type, sched::now(self));
        return {};
      },
      [=](resume_atom, const std::string& type) -> void_reply {
        if (!self->state.ready.has_type(type))
          return error{error_code::unknown_job_type, "unknown job type '" + type + "'"};
        self->state.ready.resume(type, sched::now(self));
        sched::try_dispatch(self);
        return {};
      },
      [=](stats_atom) {
        auto& s = self->state;
        scheduler_stats out;
        out.ready = s.ready.size();
        out.scheduled = s.counts.scheduled;
        out.blocked = s.counts.blocked;
        out.supervisors = s.counts.supervisors;
        out.executors = s.capacity.total();
        out.idle_executors = s.capacity.total_idle();
        for (int p = 0; p < 4; ++p)
          out.ready_by_priority[p] = s.ready.size_by_priority(static_cast<priority>(p));
        for (std::size_t t = 0; t < s.ready.type_count(); ++t)
          if (s.ready.paused(s.ready.type_name(t)))
            out.paused_types.push_back(s.ready.type_name(t));
        return out;
      },
      [=](released_atom, const caf::actor& ex) { sched::release_slot(self, ex, false); },
      [=](lost_atom, const caf::actor& ex) { sched::release_slot(self, ex, true); },
      [=](offer_atom, executor_offer& offer) { sched::accept_offer(self, offer); },
      [=](node_down_atom, const std::string& node, std::uint64_t session) {
        sched::on_node_down(self, node, session);
      },
      [=](nodes_atom) { return sched::node_loads(self); },
      [=](runnable_atom) {
        auto& s = self->state;
        std::vector<std::string> out;
        for (std::size_t t = 0; t < s.ready.type_count(); ++t)
          if (s.capacity.runs(t)) out.push_back(s.ready.type_name(t));
        return out;
      },
      [=](requeue_atom, const job_id& id, priority own) {
        auto& s = self->state;
        auto it = s.jobs.find(id);
        // A job being canceled stays out of the queue: its supervisor is
        // about to end, and a slot sent to it would never be used.
        if (it == s.jobs.end() || it->second.canceling) return;
        const timestamp t = sched::now(self);
        const priority p = sched::competing_priority(self, id, own);
        s.ready.push(id, it->second.waiting.type, p,
                     make_dispatch_key(p, t, ++s.sequence, s.env->config.aging), t);
        sched::try_dispatch(self);
      },
      [=](requeue_atom, const job_id& id, priority own, std::int64_t since_unix_ms) {
        auto& s = self->state;
        auto it = s.jobs.find(id);
        if (it == s.jobs.end() || it->second.canceling) return;
        const timestamp t = sched::now(self);
        const timestamp since = std::min(from_unix_ms(since_unix_ms), t);
        const priority p = sched::competing_priority(self, id, own);
        s.ready.push(id, it->second.waiting.type, p,
                     make_dispatch_key(p, since, ++s.sequence, s.env->config.aging), t);
        sched::try_dispatch(self);
      },
      [=](finished_atom, const job_ptr& snapshot) { sched::on_terminal(self, snapshot); },
      [=](submissions_committed_atom, const std::vector<job_id>& ids, const void_reply& r) {
        sched::submissions_committed(self, ids, r);
      },
      [=](admit_atom, const std::vector<job_ptr>& committed) {
        for (const auto& j : committed)
          sched::admit(self, j);
        sched::try_dispatch(self);
      },
      [=](wake_atom) { sched::on_wake(self); },
      [=](reread_atom, const job_id& id) { sched::reread(self, id); },
      [=](drain_atom, std::int64_t grace_ms) {
        auto promise = self->make_response_promise();
        sched::drain(self, milliseconds{grace_ms}, promise);
        return promise;
      },
      [=](drain_over_atom) {
        // The grace is over: every supervisor still running an attempt stops
        // it and returns its job to pending (then ends, freeing its slot).
        for (const auto& [addr, a] : self->state.busy)
          if (auto sup = caf::actor_cast<caf::actor>(a.supervisor))
            self->send(sup, interrupt_atom::value);
      },
  };
}

caf::actor spawn_scheduler(caf::actor_system& sys, env_ptr env,
                           std::shared_ptr<recovered_state> recovered) {
  return sys.spawn(scheduler, std::move(env), std::move(recovered));
}

}  // namespace jobforge

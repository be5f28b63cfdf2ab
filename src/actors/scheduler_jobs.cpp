// The scheduler's job lifecycle: admission of submissions (dedup, parents),
// cancellation, waiting, dead-letter replay and discard, and what happens
// when a job reaches a terminal status (dependents, waiters).
#include "actors/event_hub.hpp"
#include "actors/scheduler.hpp"
#include "actors/scheduler_fetch.hpp"
#include "actors/webhook_outbox.hpp"
#include "model/dependency.hpp"
#include "model/job_factory.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <deque>

namespace jobforge::sched {
namespace {

error conflict(const job& j, const std::string& what) {
  return error{error_code::conflict,
               "job " + to_string(j.id) + " is " + std::string(to_string(j.status)) + ": " + what,
               boost::json::object{{"status", to_string(j.status)}}};
}

/// A submission whose parents are known: decide the initial status, persist,
/// answer, admit.
struct pending_submission {
  job j;
  parent_tally tally;
  std::vector<job_id> unfinished_parents;
  std::size_t lookups_left = 0;
  std::optional<error> failure;
  caf::response_promise promise;
};

void admit_submission(scheduler_actor* self, std::shared_ptr<pending_submission> sub) {
  job& j = sub->j;
  settle_initial_status(self, j, sub->tally);
  auto& st = self->state;
  auto snapshot = std::make_shared<const job>(j);
  self->request(st.env->store, caf::infinite, persist_atom::value,
                std::vector<store_write>{put_job{snapshot}})
      .then([=](void_reply& r) mutable {
        if (!r) {
          end_admission(self);
          forget_dedup(self, sub->j);
          sub->promise.deliver(submit_reply{error{
              error_code::unavailable, "the job could not be stored: " + r.error_value().message}});
          return;
        }
        sub->promise.deliver(submit_reply{submit_result{sub->j, true}});
        publish_submitted(self, sub->j);
        admit(self, snapshot, sub->tally, sub->unfinished_parents);
        end_admission(self);
      });
}

}  // namespace

void end_admission(scheduler_actor* self) {
  auto& st = self->state;
  if (--st.admissions_in_flight == 0) st.finished_during_admission.clear();
}

void forget_dedup(scheduler_actor* self, const job& j) {
  if (j.unique_key) self->state.dedup.forget(j.tenant, *j.unique_key, j.id);
}

void settle_initial_status(scheduler_actor* self, job& j, const parent_tally& tally) {
  if (j.dependencies.empty() ||
      evaluate_dependencies(j.dependencies, tally) != dependency_verdict::run)
    return;
  // Every parent it needs has already finished: start as if it had none.
  // (A job whose parents already failed is canceled by admit, on the record.)
  const bool later = j.run_at && *j.run_at > now(self);
  j.status = later ? job_status::scheduled : job_status::pending;
  j.history.front().to = j.status;
}

void publish_submitted(scheduler_actor* self, const job& j) {
  const auto& h = j.history.back();
  publish(
      self, *self->state.env,
      job_event{job_event::kind::status, 0, j.id, j.type, h.from, h.to, 0, std::nullopt, {}, h.at});
}

void count_parent(parent_tally& tally, job_status s) {
  if (s == job_status::completed)
    ++tally.completed;
  else if (s == job_status::failed || s == job_status::canceled)
    ++tally.failed;
}

error shutting_down() {
  return error{error_code::unavailable, "jobforge is shutting down and accepts no new work"};
}

void admit(scheduler_actor* self, job_ptr j, parent_tally tally,
           const std::vector<job_id>& unfinished_parents) {
  auto& st = self->state;
  const job_id id = j->id;
  if (st.jobs.count(id)) return;
  const timestamp t = now(self);
  if (j->status == job_status::blocked) {
    std::vector<job_id> waiting_on;
    for (const auto& p : unfinished_parents) {
      auto ended = st.finished_during_admission.find(p);
      if (ended != st.finished_during_admission.end())
        count_parent(tally, ended->second);
      else
        waiting_on.push_back(p);
    }
    const auto verdict = evaluate_dependencies(j->dependencies, tally);
    if (verdict == dependency_verdict::cancel) {
      if (auto canceled =
              move(self, *j, job_status::canceled,
                   transition_note{std::nullopt, {}, "a dependency failed", "scheduler"}))
        on_terminal(self, canceled);
      return;
    }
    if (verdict == dependency_verdict::run && (!j->run_at || *j->run_at <= t)) {
      j = move(self, *j, job_status::pending);
      if (!j) return;
    } else if (auto ok = st.graph.add(id, waiting_on); !ok) {
      spdlog::error("scheduler: {}", ok.error_value().message);  // a new job cannot close a cycle
    }
  }
  live_job lj;
  lj.type = j->type;
  lj.parents = tally;
  lj.dependencies_met = j->status == job_status::blocked &&
                        evaluate_dependencies(j->dependencies, tally) == dependency_verdict::run;
  lj.data = std::move(j);
  const job& held = *st.jobs.emplace(id, std::move(lj)).first->second.data;
  if (held.status == job_status::pending)
    st.ready.push(id, held.type, held.priority,
                  make_dispatch_key(held.priority, t, ++st.sequence, st.env->config.aging), t);
  else if (held.status == job_status::retrying)  // recovered: the rest of its backoff
    st.timers.emplace(held.next_attempt_at.value_or(t), id);
  else if (held.run_at && *held.run_at > t)
    st.timers.emplace(*held.run_at, id);
  else if (held.status == job_status::scheduled)
    st.timers.emplace(t, id);  // already due: the next wake moves it
  try_dispatch(self);
}

void submit(scheduler_actor* self, job_request& request, caf::response_promise promise) {
  auto& st = self->state;
  if (st.draining) {
    promise.deliver(submit_reply{shutting_down()});
    return;
  }
  const timestamp t = now(self);
  const job_id id = job_id::generate(*st.env->rng);
  auto prepared = st.env->types->prepare(request, id, t);
  if (!prepared) {
    promise.deliver(submit_reply{std::move(prepared).error_value()});
    return;
  }
  auto sub = std::make_shared<pending_submission>();
  sub->j = std::move(prepared).value();
  sub->promise = promise;
  const job& j = sub->j;
  if (j.unique_key && j.unique_for_ms > 0) {
    if (auto existing = st.dedup.find(j.tenant, *j.unique_key, t)) {
      fetch(self, *existing, [promise](job_reply& r) mutable {
        if (!r)
          promise.deliver(submit_reply{std::move(r).error_value()});
        else
          promise.deliver(submit_reply{submit_result{std::move(r.value()), false}});
      });
      return;
    }
    st.dedup.remember(j.tenant, *j.unique_key, j.id, t + milliseconds{j.unique_for_ms});
    st.dedup.expire(t);
  }
  ++st.admissions_in_flight;
  sub->tally.total = j.dependencies.depends_on.size();
  std::vector<job_id> unknown;
  for (const auto& p : j.dependencies.depends_on) {
    if (st.jobs.count(p))
      sub->unfinished_parents.push_back(p);
    else
      unknown.push_back(p);
  }
  if (unknown.empty()) {
    admit_submission(self, std::move(sub));
    return;
  }
  sub->lookups_left = unknown.size();
  for (const auto& p : unknown) {
    fetch(self, p, [self, sub, p](job_reply& r) {
      if (!r) {
        if (!sub->failure)
          sub->failure =
              error{error_code::invalid_argument, "depends_on names unknown job " + to_string(p),
                    boost::json::object{{"field", "depends_on"}, {"job_id", to_string(p)}}};
      } else if (is_terminal(r->status)) {
        count_parent(sub->tally, r->status);
      } else {
        sub->unfinished_parents.push_back(p);  // persisted a moment ago, admitted next
      }
      if (--sub->lookups_left > 0) return;
      if (sub->failure) {
        end_admission(self);
        forget_dedup(self, sub->j);
        sub->promise.deliver(submit_reply{*sub->failure});
        return;
      }
      admit_submission(self, sub);
    });
  }
}

void cancel(scheduler_actor* self, const job_id& id, const cancel_request& req,
            caf::response_promise promise) {
  auto& st = self->state;
  auto it = st.jobs.find(id);
  if (it == st.jobs.end()) {
    fetch(self, id, [promise](job_reply& r) mutable {
      if (!r)
        promise.deliver(job_reply{std::move(r).error_value()});
      else
        promise.deliver(
            job_reply{conflict(*r, "only a job that has not finished can be canceled")});
    });
    return;
  }
  st.cancel_waiters[id].push_back(promise);
  live_job& lj = it->second;
  const timestamp t = now(self);
  st.ready.erase(id, t);
  if (lj.supervisor) {
    lj.canceling = true;
    // The supervisor owns the job: cancellation is an exit message to it.
    self->send_exit(lj.supervisor, make_cancel_reason(req));
    return;
  }
  const job_ptr held = lj.data;
  st.graph.remove_parents(id);  // its dependents hear of it in on_terminal
  if (auto canceled = move(self, *held, job_status::canceled,
                           transition_note{std::nullopt, {}, req.reason, req.by}))
    on_terminal(self, canceled);
}

void wait_for(scheduler_actor* self, const job_id& id, caf::response_promise promise) {
  auto& st = self->state;
  if (st.jobs.count(id)) {
    st.waiters[id].push_back(promise);
    return;
  }
  fetch(self, id, [promise](job_reply& r) mutable { promise.deliver(std::move(r)); });
}

void replay(scheduler_actor* self, const job_id& id, replay_request& req,
            caf::response_promise promise) {
  auto& st = self->state;
  if (st.draining) {
    promise.deliver(job_reply{shutting_down()});
    return;
  }
  if (st.jobs.count(id) || !st.in_flight.insert(id).second) {
    promise.deliver(job_reply{
        error{error_code::conflict, "job " + to_string(id) + " is not in the dead-letter queue"}});
    return;
  }
  fetch(self, id, [self, id, req, promise](job_reply& r) mutable {
    auto& s = self->state;
    if (!r) {
      s.in_flight.erase(id);
      promise.deliver(std::move(r));
      return;
    }
    job j = std::move(r.value());
    if (j.status != job_status::failed) {
      s.in_flight.erase(id);
      promise.deliver(job_reply{conflict(j, "only failed jobs can be replayed")});
      return;
    }
    if (req.payload) {
      if (auto ok = s.env->types->validate_payload(j.type, *req.payload); !ok) {
        s.in_flight.erase(id);
        promise.deliver(job_reply{std::move(ok).error_value()});
        return;
      }
      j.payload = *req.payload;
    }
    if (auto ok = transition(j, job_status::pending, now(self),
                             transition_note{std::nullopt, s.env->config.node, "replayed", req.by});
        !ok) {
      s.in_flight.erase(id);
      promise.deliver(job_reply{std::move(ok).error_value()});
      return;
    }
    auto snapshot = std::make_shared<const job>(std::move(j));
    std::vector<job_ptr> deliveries;
    self->request(s.env->store, caf::infinite, persist_atom::value,
                  change_writes(*s.env, snapshot, now(self), deliveries))
        .then([self, id, snapshot, deliveries, promise](void_reply& w) mutable {
          self->state.in_flight.erase(id);
          if (!w) {
            promise.deliver(job_reply{std::move(w).error_value()});
            return;
          }
          promise.deliver(job_reply{*snapshot});
          const auto& h = snapshot->history.back();
          publish(self, *self->state.env,
                  job_event{job_event::kind::status,
                            0,
                            snapshot->id,
                            snapshot->type,
                            h.from,
                            h.to,
                            0,
                            std::nullopt,
                            {},
                            h.at});
          admit(self, snapshot);
          for (const auto& d : deliveries)
            admit(self, d);
        });
  });
}

void discard(scheduler_actor* self, const job_id& id, caf::response_promise promise) {
  auto& st = self->state;
  if (st.jobs.count(id) || !st.in_flight.insert(id).second) {
    promise.deliver(job_reply{
        error{error_code::conflict, "job " + to_string(id) + " is not in the dead-letter queue"}});
    return;
  }
  fetch(self, id, [self, id, promise](job_reply& r) mutable {
    auto& s = self->state;
    if (!r || r->status != job_status::failed) {
      s.in_flight.erase(id);
      promise.deliver(r ? job_reply{conflict(*r, "only failed jobs can be discarded")}
                        : std::move(r));
      return;
    }
    job j = std::move(r.value());
    self->request(s.env->store, caf::infinite, persist_atom::value,
                  std::vector<store_write>{erase_job{id}})
        .then([self, id, j, promise](void_reply& w) mutable {
          auto& s2 = self->state;
          s2.in_flight.erase(id);
          if (w && j.unique_key)
            s2.dedup.forget(j.tenant, *j.unique_key, j.id);  // the key is free again
          promise.deliver(w ? job_reply{j} : job_reply{std::move(w).error_value()});
        });
  });
}

namespace {

/// The blocked job `id` as the scheduler holds it, or an error to answer with.
expected<live_job*> blocked_job(scheduler_actor* self, const job_id& id) {
  auto it = self->state.jobs.find(id);
  if (it == self->state.jobs.end())
    return error{error_code::conflict,
                 "job " + to_string(id) + " is not waiting on dependencies (unknown or finished)"};
  if (!it->second.data || it->second.data->status != job_status::blocked ||
      it->second.dependencies_met)
    return error{error_code::conflict,
                 "only a blocked job can change its dependencies; job " + to_string(id) + " has " +
                     (it->second.data ? "status " + std::string(to_string(it->second.data->status))
                                      : std::string("started"))};
  return &it->second;
}

/// Applies the verdict of a blocked job's parents: keeps it waiting, releases
/// it (to pending, or to its run_at timer), or cancels it. Returns the
/// canceled job, whose own dependents the caller must then settle.
job_ptr settle_blocked(scheduler_actor* self, const job_id& id, timestamp t,
                       const std::string& cancel_reason) {
  auto& st = self->state;
  live_job& lj = st.jobs.at(id);
  const job& j = *lj.data;
  switch (evaluate_dependencies(j.dependencies, lj.parents)) {
    case dependency_verdict::wait:
      return nullptr;
    case dependency_verdict::run:
      lj.dependencies_met = true;
      st.graph.remove_parents(id);
      if (j.run_at && *j.run_at > t) {
        st.timers.emplace(*j.run_at, id);
        arm_wake(self);
      } else if (auto moved = move(self, j, job_status::pending)) {
        lj.data = moved;
        st.ready.push(id, moved->type, moved->priority,
                      make_dispatch_key(moved->priority, t, ++st.sequence, st.env->config.aging),
                      t);
      }
      return nullptr;
    case dependency_verdict::cancel: {
      st.graph.remove_parents(id);
      auto canceled = move(self, j, job_status::canceled,
                           transition_note{std::nullopt, {}, cancel_reason, "scheduler"});
      if (!canceled) st.jobs.erase(id);
      return canceled;
    }
  }
  return nullptr;
}

/// Re-decides a blocked job after its parents changed.
void reconsider(scheduler_actor* self, const job_id& id) {
  if (auto canceled = settle_blocked(self, id, now(self), "a dependency failed"))
    on_terminal(self, canceled);
  else
    try_dispatch(self);
}

}  // namespace

void add_parents(scheduler_actor* self, const job_id& id, const std::vector<job_id>& parents,
                 caf::response_promise promise) {
  auto& st = self->state;
  auto held = blocked_job(self, id);
  if (!held) {
    promise.deliver(job_reply{std::move(held).error_value()});
    return;
  }
  job j = *(*held)->data;  // snapshots are replaced, never changed in place
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
  if (auto ok = st.graph.add(id, fresh); !ok) {
    promise.deliver(job_reply{std::move(ok).error_value()});
    return;
  }
  for (const auto& p : fresh)
    j.dependencies.depends_on.push_back(p);
  (*held)->parents.total += fresh.size();
  j.updated_at = now(self);
  (*held)->data = std::make_shared<const job>(std::move(j));
  caf::anon_send(st.env->store, persist_atom::value,
                 std::vector<store_write>{put_job{(*held)->data}});
  promise.deliver(job_reply{*(*held)->data});
}

void remove_parent(scheduler_actor* self, const job_id& id, const job_id& parent,
                   caf::response_promise promise) {
  auto& st = self->state;
  auto held = blocked_job(self, id);
  if (!held) {
    promise.deliver(job_reply{std::move(held).error_value()});
    return;
  }
  live_job& lj = **held;
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
  st.graph.remove_edge(id, parent);
  --lj.parents.total;
  j.updated_at = now(self);
  lj.data = std::make_shared<const job>(std::move(j));
  caf::anon_send(st.env->store, persist_atom::value, std::vector<store_write>{put_job{lj.data}});
  job answer = *lj.data;
  reconsider(self, id);
  if (auto now_held = st.jobs.find(id); now_held != st.jobs.end() && now_held->second.data)
    answer = *now_held->second.data;
  promise.deliver(job_reply{answer});
}

void on_terminal(scheduler_actor* self, job_ptr finished) {
  auto& st = self->state;
  std::deque<job_ptr> work{std::move(finished)};
  while (!work.empty()) {
    const job_ptr snapshot = std::move(work.front());
    work.pop_front();
    const job& j = *snapshot;
    st.jobs.erase(j.id);
    if (st.admissions_in_flight > 0) st.finished_during_admission[j.id] = j.status;
    if (auto w = st.waiters.find(j.id); w != st.waiters.end()) {
      for (auto& promise : w->second)
        promise.deliver(job_reply{j});
      st.waiters.erase(w);
    }
    if (auto w = st.cancel_waiters.find(j.id); w != st.cancel_waiters.end()) {
      for (auto& promise : w->second) {
        if (j.status == job_status::canceled)
          promise.deliver(job_reply{j});
        else
          promise.deliver(job_reply{conflict(j, "it ended before the cancellation reached it")});
      }
      st.cancel_waiters.erase(w);
    }
    const auto children = st.graph.children_of(j.id);
    st.graph.remove(j.id);
    const timestamp t = now(self);
    for (const auto& child : children) {
      auto it = st.jobs.find(child);
      if (it == st.jobs.end() || !it->second.data) continue;
      live_job& lj = it->second;
      if (lj.data->status != job_status::blocked || lj.dependencies_met) continue;
      count_parent(lj.parents, j.status);
      if (auto canceled = settle_blocked(
              self, child, t,
              "dependency " + to_string(j.id) + " ended " + std::string(to_string(j.status))))
        work.push_back(std::move(canceled));
    }
  }
  try_dispatch(self);
}

}  // namespace jobforge::sched

// The scheduler's job lifecycle: admission of submissions (dedup, parents),
// cancellation, waiting, dead-letter replay and discard, and what happens
// when a job reaches a terminal status (dependents, waiters). Blocked jobs
// and their parents: dependencies.cpp.
#include "actors/event_hub.hpp"
#include "actors/store_writer.hpp"
#include "actors/webhook_outbox.hpp"
#include "model/dependency.hpp"
#include "model/job_factory.hpp"
#include "scheduler/fetch.hpp"
#include "scheduler/scheduler_internal.hpp"

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

// Decides the initial status and hands the job to the store writer with the
// submitter's request: the writer answers the submitter once the job is
// committed, after telling us (submissions_committed, below) to admit it.
void admit_submission(scheduler_actor* self, std::shared_ptr<pending_submission> sub) {
  job& j = sub->j;
  settle_initial_status(self, j, sub->tally);
  auto& st = self->state;
  sub->snapshot = std::make_shared<const job>(j);
  st.committing.emplace(j.id, sub);
  sub->promise.delegate(st.env->store, persist_submission_atom::value,
                        std::vector<store_write>{put_job{sub->snapshot, true}},
                        submit_result{j, true}, caf::actor_cast<caf::actor>(self));
}

}  // namespace

void submissions_committed(scheduler_actor* self, const std::vector<job_id>& ids,
                           const void_reply& result) {
  auto& st = self->state;
  for (const auto& id : ids) {
    auto it = st.committing.find(id);
    if (it == st.committing.end()) continue;
    auto sub = std::move(it->second);
    st.committing.erase(it);
    if (!result) {
      end_admission(self);
      forget_dedup(self, sub->j);
      continue;
    }
    publish_submitted(self, sub->j);
    admit(self, sub->snapshot, sub->tally, sub->unfinished_parents);
    end_admission(self);
  }
}

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
  publish_change(self, *self->state.env, j);
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
  admit(self, summarize(*j), j, tally, unfinished_parents);
}

void admit(scheduler_actor* self, const job_summary& summary, job_ptr data, parent_tally tally,
           const std::vector<job_id>& unfinished_parents) {
  auto& st = self->state;
  const job_id id = summary.id;
  auto [at, inserted] = st.jobs.try_emplace(id);
  if (!inserted) return;
  const timestamp t = now(self);
  live_job& lj = at->second;
  lj.waiting = waiting_record::of(summary);
  st.counts.add(lj, +1);
  lj.data = std::move(data);
  lj.parents = tally;
  const job_summary& held = summary;
  if (held.status == job_status::blocked) {
    std::vector<job_id> waiting_on;
    for (const auto& p : unfinished_parents) {
      auto ended = st.finished_during_admission.find(p);
      if (ended != st.finished_during_admission.end())
        count_parent(lj.parents, ended->second);
      else
        waiting_on.push_back(p);
    }
    if (auto ok = link_parents(self, id, waiting_on); !ok)
      spdlog::error("scheduler: {}", ok.error_value().message);  // a new job cannot close a cycle
    // Parents that already decided it: it runs (now or at run_at) or is canceled.
    if (auto moved = settle_blocked(self, id, t, "a dependency failed")) {
      if (moved->status == job_status::canceled) on_terminal(self, moved);
    } else if (auto it = st.jobs.find(id); it != st.jobs.end()) {
      const auto& deps = summary.dependencies;
      if (deps.timeout_ms > 0 && !it->second.dependencies_met) {
        // From the submission, so a restart neither extends nor resets it.
        st.dependency_deadlines.emplace(summary.created_at + milliseconds{deps.timeout_ms}, id);
        arm_wake(self);
      }
      release_document(self, it->second);
    }
    try_dispatch(self);
    return;
  }
  if (held.status == job_status::pending)
    queue_ready(self, id, lj, t);
  else if (held.status == job_status::retrying)  // recovered: the rest of its backoff
    st.timers.emplace(held.next_attempt_at.value_or(t), id);
  else if (held.run_at && *held.run_at > t)
    st.timers.emplace(*held.run_at, id);
  else if (held.status == job_status::scheduled)
    st.timers.emplace(t, id);  // already due: the next wake moves it
  release_document(self, lj);
  try_dispatch(self);
}

void submit(scheduler_actor* self, job_request& request, caf::response_promise promise) {
  auto& st = self->state;
  if (st.draining) {
    promise.deliver(submit_reply{shutting_down()});
    return;
  }
  if (auto ok = st.env->write_outage->writable(); !ok) {
    promise.deliver(submit_reply{std::move(ok).error_value()});
    return;
  }
  const timestamp t = now(self);
  const job_id id = job_id::generate_time_ordered(*st.env->rng, t);
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
  sub->tally.total = static_cast<std::uint32_t>(j.dependencies.depends_on.size());
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
  if (lj.canceling) return;  // already on its way; the waiters hear of it then
  // From here it is neither dispatched, nor woken, nor released by parents.
  lj.canceling = true;
  unlink_parents(self, id);  // its dependents hear of it in on_terminal
  with_document(self, id, [self, id, req](live_job* held) {
    if (held == nullptr) {
      // A job that left meanwhile answered its waiters as it ended; one
      // still tracked here would wait forever: answer rather than hang.
      // (A failed read does not get here: it is read again until it works.)
      auto& s = self->state;
      if (!s.jobs.count(id)) return;
      if (auto w = s.cancel_waiters.find(id); w != s.cancel_waiters.end()) {
        for (auto& waiting : w->second)
          waiting.deliver(job_reply{
              error{error_code::unavailable, "job " + to_string(id) + " could not be read"}});
        s.cancel_waiters.erase(w);
      }
      return;
    }
    if (auto canceled = move(self, *held->data, job_status::canceled,
                             transition_note{std::nullopt, {}, req.reason, req.by}))
      on_terminal(self, canceled);
  });
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
          publish_change(self, *self->state.env, *snapshot);
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

void on_terminal(scheduler_actor* self, job_ptr finished) {
  auto& st = self->state;
  std::deque<job_ptr> work{std::move(finished)};
  while (!work.empty()) {
    const job_ptr snapshot = std::move(work.front());
    work.pop_front();
    const job& j = *snapshot;
    unlink_parents(self, j.id);  // (none left, normally: it ran or was canceled)
    forget(self, j.id);
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
    unlink_job(self, j.id);
    const timestamp t = now(self);
    for (const auto& child : children) {
      auto it = st.jobs.find(child);
      if (it == st.jobs.end()) continue;
      live_job& lj = it->second;
      if (lj.supervisor || lj.canceling || lj.waiting.status != job_status::blocked ||
          lj.dependencies_met)
        continue;
      count_parent(lj.parents, j.status);
      auto moved = settle_blocked(
          self, child, t,
          "dependency " + to_string(j.id) + " ended " + std::string(to_string(j.status)));
      if (moved && moved->status == job_status::canceled) work.push_back(std::move(moved));
    }
  }
  try_dispatch(self);
}

}  // namespace jobforge::sched

// The scheduler's summaries and the whole jobs behind them. A waiting job is
// held as a summary (what scheduling needs); the whole job is held as well
// when the store shares its snapshots (then holding one costs nothing), or
// while few jobs wait (runtime_config::held_documents: a dispatch that must
// read its job waits behind the store's commits). Otherwise it is read from
// the store writer when a transition needs it, and by the job's supervisor
// when it is dispatched: memory per queued job and recovery time do not
// grow with the size of jobs.
#include "actors/send_after.hpp"
#include "scheduler/scheduler_internal.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge::sched {

void hold(scheduler_actor* self, live_job& lj, job_ptr snapshot) {
  auto& counts = self->state.counts;
  counts.add(lj, -1);
  lj.waiting = waiting_record::of(*snapshot);
  counts.add(lj, +1);
  lj.data = std::move(snapshot);
  ++lj.revision;
}

void forget(scheduler_actor* self, const job_id& id) {
  auto& st = self->state;
  auto it = st.jobs.find(id);
  if (it == st.jobs.end()) return;
  st.counts.add(it->second, -1);
  st.jobs.erase(it);
  st.rereads.erase(id);
}

void release_document(scheduler_actor* self, live_job& lj) {
  const auto& st = self->state;
  if (!st.env->documents_shared && st.jobs.size() > st.env->config.held_documents) lj.data.reset();
}

void queue_ready(scheduler_actor* self, const job_id& id, live_job& lj, timestamp t,
                 std::uint64_t sequence) {
  auto& st = self->state;
  const auto p = competing_priority(self, id, lj.waiting.priority);
  if (sequence == 0) sequence = ++st.sequence;
  st.ready.push(id, lj.waiting.type, p, make_dispatch_key(p, t, sequence, st.env->config.aging), t);
  release_document(self, lj);
}

void with_document(scheduler_actor* self, const job_id& id, std::function<void(live_job*)> then,
                   if_unreadable policy) {
  auto& st = self->state;
  auto it = st.jobs.find(id);
  if (it == st.jobs.end() || it->second.supervisor) return then(nullptr);
  if (it->second.data) return then(&it->second);
  const auto asked_at = it->second.revision;
  // read_atom sees every write sent before it (the scheduler's own
  // included), committed or not, without forcing a commit.
  self->request(st.env->store, caf::infinite, read_atom::value, id)
      .then([self, id, asked_at, policy, then = std::move(then)](job_reply& r) mutable {
        auto& s = self->state;
        auto found = s.jobs.find(id);
        if (found == s.jobs.end() || found->second.supervisor) return then(nullptr);
        live_job& lj = found->second;
        if (!lj.data) {
          // The scheduler changed the job after asking (and let go of it):
          // this answer may predate the change, so ask again.
          if (lj.revision != asked_at) return with_document(self, id, std::move(then), policy);
          if (!r) {
            if (policy == if_unreadable::give_up) {
              spdlog::error("scheduler: job {} cannot be read: {}", to_string(id),
                            r.error_value().message);
              return then(nullptr);
            }
            auto& again = s.rereads[id];
            again.waiting.push_back(std::move(then));
            if (!again.armed) {
              again.armed = true;
              again.delay = next_reread_delay(again.delay);
              spdlog::error("scheduler: job {} cannot be read ({}); reading it again in {} ms",
                            to_string(id), r.error_value().message, again.delay.count());
              send_after(self, caf::actor_cast<caf::actor>(self), again.delay, reread_atom::value,
                         id);
            }
            return;
          }
          lj.data = std::make_shared<const job>(std::move(r.value()));
        }
        if (auto again = s.rereads.find(id);
            again != s.rereads.end() && !again->second.armed && again->second.waiting.empty())
          s.rereads.erase(again);  // the store answers again: the next failure starts over
        then(&lj);
      });
}

void reread(scheduler_actor* self, const job_id& id) {
  auto& st = self->state;
  auto it = st.rereads.find(id);
  if (it == st.rereads.end()) return;
  it->second.armed = false;
  auto waiting = std::exchange(it->second.waiting, {});
  for (auto& then : waiting)
    with_document(self, id, std::move(then));
}

}  // namespace jobforge::sched

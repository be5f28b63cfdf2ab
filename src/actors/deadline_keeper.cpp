#include "actors/deadline_keeper.hpp"

#include "actors/protocol.hpp"
#include "actors/send_after.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace jobforge {
namespace {

using keeper = caf::stateful_actor<deadline_keeper_state>;

std::int64_t now_ms(keeper* self) {
  return to_unix_ms(self->state.env->clock.at(self->clock().now()));
}

void forget(deadline_keeper_state& st, const job_id& id) {
  auto it = st.jobs.find(id);
  if (it == st.jobs.end()) return;
  st.pending.erase({it->second.warn_at_ms, id});
  st.pending.erase({it->second.due_at_ms, id});
  st.jobs.erase(it);
}

// One wake in flight, for the earliest pending time; an earlier arm sends
// another (the later wake then finds nothing due, or what came due since).
void rearm(keeper* self) {
  auto& st = self->state;
  if (st.pending.empty()) return;
  const std::int64_t next = st.pending.begin()->first;
  if (st.wake_at_ms && *st.wake_at_ms <= next) return;
  st.wake_at_ms = next;
  send_after(self, caf::actor_cast<caf::actor>(self),
             milliseconds{std::max<std::int64_t>(0, next - now_ms(self))}, wake_atom::value, next);
}

void fire_due(keeper* self) {
  auto& st = self->state;
  const std::int64_t now = now_ms(self);
  while (!st.pending.empty() && st.pending.begin()->first <= now) {
    const auto [at, id] = *st.pending.begin();
    st.pending.erase(st.pending.begin());
    auto it = st.jobs.find(id);
    if (it == st.jobs.end()) continue;
    auto& a = it->second;
    if (at == a.due_at_ms) {
      self->send(a.supervisor, deadline_atom::value, a.attempt);
      forget(st, id);
    } else {
      self->send(a.supervisor, timeout_warning_atom::value, a.attempt);
    }
  }
}

}  // namespace

caf::behavior deadline_keeper(keeper* self, env_ptr env) {
  self->state.env = std::move(env);
  return {
      [=](arm_deadlines_atom, const job_id& id, caf::actor& supervisor, int attempt,
          std::int64_t warn_at_ms, std::int64_t due_at_ms) {
        auto& st = self->state;
        forget(st, id);  // the job's previous attempt
        warn_at_ms = std::min(warn_at_ms, due_at_ms);
        st.jobs[id] = {std::move(supervisor), attempt, warn_at_ms, due_at_ms};
        st.pending.insert({due_at_ms, id});
        if (warn_at_ms < due_at_ms) st.pending.insert({warn_at_ms, id});
        fire_due(self);  // a timeout of 0
        rearm(self);
      },
      [=](disarm_deadlines_atom, const job_id& id) { forget(self->state, id); },
      [=](wake_atom, std::int64_t due_ms) {
        auto& st = self->state;
        if (st.wake_at_ms == due_ms) st.wake_at_ms.reset();
        fire_due(self);
        rearm(self);
      },
  };
}

}  // namespace jobforge

// The scheduler's part of a graceful shutdown.
#include "actors/send_after.hpp"
#include "scheduler/scheduler_internal.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge::sched {

void drain(scheduler_actor* self, milliseconds grace, caf::response_promise promise) {
  auto& st = self->state;
  st.drain_waiters.push_back(std::move(promise));
  if (!st.draining) {
    st.draining = true;
    spdlog::info("draining: {} attempts running, waiting up to {} ms for them", st.busy.size(),
                 grace.count());
    send_after(self, caf::actor_cast<caf::actor>(self), grace, drain_over_atom::value);
  }
  check_drained(self);
}

void check_drained(scheduler_actor* self) {
  auto& st = self->state;
  if (!st.draining || !st.busy.empty() || st.drain_waiters.empty()) return;
  auto waiters = std::move(st.drain_waiters);
  st.drain_waiters.clear();
  for (auto& promise : waiters)
    promise.deliver(void_reply{});
}

}  // namespace jobforge::sched

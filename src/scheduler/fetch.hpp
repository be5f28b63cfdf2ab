#pragma once
// Private to src/scheduler/: reading a job the scheduler does
// not hold (finished, or not yet admitted) from the store writer.

#include "scheduler/scheduler_internal.hpp"

#include <caf/all.hpp>

#include <utility>

namespace jobforge::sched {

/// The store's copy of job `id`, handed to `then(job_reply&)`.
template <class F>
void fetch(scheduler_actor* self, const job_id& id, F&& then) {
  self->request(self->state.env->store, caf::infinite, fetch_atom::value, id)
      .then([then = std::forward<F>(then)](job_reply& r) mutable { then(r); });
}

}  // namespace jobforge::sched

#pragma once
/// Retention: a periodic internal task that deletes finished jobs older than
/// the configured age. Each round asks the store writer to delete one
/// bounded batch; a full batch is followed by another at once (the store
/// writer serves other writes in between), a partial one ends the round.
///
/// Receives: (wake_atom) from itself.

#include "actors/runtime_env.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

namespace jobforge {

struct retention_state {
  env_ptr env;
  std::size_t pruned_this_round = 0;
  static inline const char* name = "retention";
};

caf::behavior retention(caf::stateful_actor<retention_state>* self, env_ptr env);

}  // namespace jobforge

#pragma once
/// The attempts' deadlines (timeout, and the warning before it), kept for
/// every job supervisor by one actor. A delayed message of CAF 0.17 holds
/// its receiver until it fires, and the memory of a finished supervisor
/// with it: with a timeout of an hour, every job of the last hour stayed in
/// memory (about 2.5 KB each; found by bench/soak.py). Supervisors arm
/// their deadlines here and the keeper drops them when the supervisor ends,
/// so nothing outlives its job; and the clock is woken once for the
/// earliest deadline, not twice per attempt.
///
/// Receives (from supervisors): (arm_deadlines_atom, job_id, supervisor,
/// attempt, warn_at_ms, due_at_ms); (disarm_deadlines_atom, job_id), sent
/// when a supervisor terminates. Sends, when due: (timeout_warning_atom,
/// attempt) and then (deadline_atom, attempt) to the supervisor.
/// (wake_atom, due_ms) from itself.

#include "actors/runtime_env.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

namespace jobforge {

using arm_deadlines_atom = caf::atom_constant<caf::atom("jf_darm")>;
using disarm_deadlines_atom = caf::atom_constant<caf::atom("jf_ddisarm")>;
/// (timeout_warning_atom, attempt): `attempt` used its share of its timeout
/// (runtime_config::timeout_warning_share).
using timeout_warning_atom = caf::atom_constant<caf::atom("toWarn")>;

struct deadline_keeper_state {
  struct armed {
    caf::actor supervisor;
    int attempt = 0;
    std::int64_t warn_at_ms = 0;  ///< equal to due_at_ms: no warning
    std::int64_t due_at_ms = 0;
  };
  env_ptr env;
  std::unordered_map<job_id, armed> jobs;
  /// Every pending time of `jobs`: (ms, job).
  std::set<std::pair<std::int64_t, job_id>> pending;
  std::optional<std::int64_t> wake_at_ms;  ///< the wake in flight, if any
  static inline const char* name = "deadline_keeper";
};

caf::behavior deadline_keeper(caf::stateful_actor<deadline_keeper_state>* self, env_ptr env);

}  // namespace jobforge

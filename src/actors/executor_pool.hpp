#pragma once
/// The executors of one node: spawns them, offers them to whoever hands
/// them out (the coordinator's own pool offers to the scheduler; a worker
/// node's to the coordinator's cluster gateway), watches each, and offers
/// a fresh one for every executor that dies (the scheduler kills one whose
/// handler ignored its stop). Its exit stops the attempts still running
/// (stop token, reason shutdown) and takes every executor down with it.
///
/// Sends: (offer_atom, executor_offer) to its target.
/// Receives: down_msg of its executors; exit_msg.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <unordered_set>

namespace jobforge {

struct executor_pool_state {
  env_ptr env;
  caf::actor target;
  executor_offer offer;  ///< node, session and types; executors empty
  std::unordered_set<caf::actor_addr> executors;
  static inline const char* name = "executor_pool";
};

/// Spawns `count` executors of `env` and offers them to `target` as
/// `offer` (whose executors are filled in).
caf::behavior executor_pool(caf::stateful_actor<executor_pool_state>* self, env_ptr env,
                            std::size_t count, caf::actor target, executor_offer offer);

}  // namespace jobforge

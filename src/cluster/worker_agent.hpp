#pragma once
/// A worker node's link to its coordinator, one per session: the
/// coordinator watches it (its loss is the node's), and it watches the
/// coordinator's gateway. It sends a heartbeat every second once joined,
/// so that operators see when the node was last heard from; CAF's own
/// heartbeats are what detect a lost connection, on both ends.
///
/// Receives: (join_atom, session) once the join is accepted; (heartbeat_atom)
/// from itself; down_msg of the gateway. Sends (heartbeat_atom, session) to
/// the gateway. Calls `on_lost` when the gateway is gone, then quits.

#include "actors/protocol.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <string>

namespace jobforge {

struct worker_agent_state {
  caf::actor gateway;
  std::uint64_t session = 0;
  std::function<void(const std::string&)> on_lost;
  static inline const char* name = "worker_agent";
};

caf::behavior worker_agent(caf::stateful_actor<worker_agent_state>* self, caf::actor gateway,
                           std::function<void(const std::string&)> on_lost);

}  // namespace jobforge

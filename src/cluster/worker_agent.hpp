#pragma once
/// A worker node's end of its session with the coordinator: the
/// coordinator watches it (its loss is the node's), and it watches the
/// coordinator's gateway. It sends a heartbeat every second once joined,
/// so that operators see when the node was last heard from; CAF's own
/// heartbeats are what detect a lost connection, on both ends.
///
/// The attempts of the session go through it (cluster/node_link.hpp says
/// why): it hands each order of a batch to its executor, naming itself as
/// the supervisor, and sends what the executors report to the
/// coordinator's link: outcomes in batches (those that came in while it
/// was busy), progress, log lines and result chunks at once, after the
/// outcomes before them.
///
/// Receives: (join_atom, session) once the join is accepted; (heartbeat_atom)
/// and (flush_atom) from itself; (link_atom, link), (attempt_atom,
/// std::vector<routed_order>) and (stop_atom, executor, job_id, attempt,
/// stop_reason) from the link; (outcome_atom, attempt_outcome),
/// (progress_atom, ...), (log_atom, ...), (result_chunk_atom, ...) from
/// executors; (session_over_atom, reason) and down_msg of the gateway.
/// Sends (heartbeat_atom, session) to the gateway. Calls `on_lost` when the
/// gateway is gone or gave the session up, then quits.

#include "actors/protocol.hpp"
#include "cluster/mailbox_batch.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace jobforge {

/// At most this many outcomes go back in one message.
inline constexpr std::size_t max_outcomes_per_message = 256;

struct worker_agent_state {
  caf::actor gateway;
  caf::actor link;  ///< the coordinator's end of this session
  mailbox_batch<attempt_outcome> outcomes{max_outcomes_per_message};
  std::uint64_t session = 0;
  std::function<void(const std::string&)> on_lost;
  static inline const char* name = "worker_agent";
};

caf::behavior worker_agent(caf::stateful_actor<worker_agent_state>* self, caf::actor gateway,
                           std::function<void(const std::string&)> on_lost);

}  // namespace jobforge

#pragma once
/// The coordinator's end of one worker node session: every attempt the
/// coordinator's supervisors run on that node goes through it, both ways.
///
/// Why not straight from supervisor to executor: an order that carried its
/// supervisor's handle made the node build a proxy for every job, announce
/// it back, and be told again when the supervisor ended: four network
/// messages per attempt, plus a registry entry. Here the orders go out in
/// batches (all those that came in while the link was busy, in one message)
/// without any supervisor's handle; the node's agent answers in batches
/// too, and the link hands each report to the supervisor whose lease it
/// carries. A stop goes the same way, after the orders before it, so it
/// never overtakes the order it is about.
///
/// Receives (from this process's supervisors):
///   (attempt_atom, caf::actor executor, attempt_order): queue for the node;
///   (stop_atom, caf::actor executor, job_id, int attempt, stop_reason);
///   (flush_atom): itself, sends what is queued.
/// Receives (from the node's agent): (outcome_atom, std::vector<attempt_outcome>),
///   (progress_atom, progress_report), (log_atom, attempt_log),
///   (result_chunk_atom, result_chunk): each to its lease's supervisor; a
///   report for a lease it does not know (no longer current) is dropped
///   and counted (cluster stale_reports).
/// Sends to the agent: (link_atom, caf::actor self) when it starts,
///   (attempt_atom, std::vector<routed_order>), (stop_atom, caf::actor
///   executor, job_id, int, stop_reason).

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "cluster/mailbox_batch.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace jobforge {

/// At most this many orders go in one message: a burst is split rather
/// than made one message large enough to delay the node's heartbeats.
inline constexpr std::size_t max_orders_per_message = 256;

struct node_link_state {
  env_ptr env;
  caf::actor agent;
  std::uint64_t session = 0;
  mailbox_batch<routed_order> queued{max_orders_per_message};
  /// The supervisor of each attempt in flight on the node, by lease
  /// sequence, and the lease each executor runs: a new order for an
  /// executor replaces its last one, so that an attempt given up (its
  /// handler ignored a stop) is not kept for good.
  std::unordered_map<std::uint64_t, caf::actor> supervisors;
  std::unordered_map<caf::actor_addr, std::uint64_t> lease_of_executor;
  static inline const char* name = "node_link";
};

/// The link of node session `session`, whose agent (on the node) is `agent`.
caf::behavior node_link(caf::stateful_actor<node_link_state>* self, env_ptr env, caf::actor agent,
                        std::uint64_t session);

}  // namespace jobforge

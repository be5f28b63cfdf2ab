#pragma once
/// The coordinator's door for worker nodes, published on the cluster port.
/// A node joins (protocol version and token checked; a stranger learns
/// nothing), gets a session, and its executor pool offers its executors
/// here; the gateway hands them to the scheduler as the node's, with the
/// node's types (those the coordinator knows) and the session's node link,
/// through which every attempt there goes (node_link.hpp; the gateway
/// spawns one per session, linked, and ends it with the session). It
/// watches each node's agent:
/// when the agent's connection is lost (CAF's heartbeats: killed, hung or
/// cut off), the node is lost, and the scheduler hears it (node_down_atom).
///
/// Receives: (join_atom, join_request) -> join_reply; (offer_atom,
/// executor_offer) and (heartbeat_atom, session) from nodes; (nodes_atom)
/// -> std::vector<cluster_node_record>; down_msg of node agents.
/// Sends: (offer_atom, executor_offer), (node_down_atom, node, session) to
/// the scheduler; node events to the event hub.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace jobforge {

/// A node as the gateway knows it: one session of a worker node.
struct cluster_node_record {
  /// joining: accepted, its executors not offered yet; up: offered.
  enum class state { joining, up, lost };
  std::string node;
  std::string host;
  std::string boot_id;
  std::uint64_t session = 0;
  state status = state::joining;
  std::vector<std::string> types;  ///< those the coordinator knows
  std::uint32_t capacity = 0;
  timestamp joined_at{};
  timestamp last_heard{};
  std::optional<timestamp> lost_at;
  std::string lost_reason;
};

struct cluster_gateway_state {
  env_ptr env;
  std::string token;
  std::vector<cluster_node_record> nodes;  ///< sessions in join order (lost ones kept a while)
  std::unordered_map<caf::actor_addr, std::uint64_t> agents;  ///< live sessions by agent
  std::unordered_map<std::uint64_t, caf::actor> links;        ///< live sessions' node links
  static inline const char* name = "cluster_gateway";
};

caf::behavior cluster_gateway(caf::stateful_actor<cluster_gateway_state>* self, env_ptr env,
                              std::string token);

}  // namespace jobforge

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::cluster_node_record>)

#include "cluster/cluster_gateway.hpp"

#include "actors/event_hub.hpp"
#include "cluster/cluster_settings.hpp"
#include "cluster/node_link.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>

namespace jobforge {
namespace {

using gateway = caf::stateful_actor<cluster_gateway_state>;

// Lost sessions stay listed for operators, up to this many.
constexpr std::size_t kept_lost_sessions = 64;

timestamp now(gateway* self) {
  return self->state.env->clock.at(self->clock().now());
}

// Tells subscribers (the event stream's `event: node`).
void publish_node(gateway* self, const cluster_node_record& n) {
  const bool up = n.status == cluster_node_record::state::up;
  job_event e;
  e.what = job_event::kind::node;
  e.at = up ? n.joined_at : n.lost_at.value_or(now(self));
  e.node = std::make_shared<const node_change>(node_change{
      n.node, n.session, up ? "up" : "lost", n.host, n.types, n.capacity, n.lost_reason});
  publish(self, *self->state.env, std::move(e));
}

cluster_node_record* find_session(gateway* self, std::uint64_t session) {
  for (auto& n : self->state.nodes)
    if (n.session == session) return &n;
  return nullptr;
}

void mark_lost(gateway* self, cluster_node_record& n, const std::string& reason) {
  auto& st = self->state;
  if (n.status == cluster_node_record::state::lost) return;
  n.status = cluster_node_record::state::lost;
  n.lost_at = now(self);
  n.lost_reason = reason;
  st.env->cluster->nodes_lost.fetch_add(1, std::memory_order_relaxed);
  if (auto link = st.links.find(n.session); link != st.links.end()) {
    // Ended here on purpose: its exit is no news to come back.
    self->unlink_from(link->second);
    self->send_exit(link->second, caf::exit_reason::user_shutdown);
    st.links.erase(link);
  }
  // An agent still there (its node hung, or its link failed) is told, so
  // that its node joins again instead of keeping executors nobody uses.
  for (auto agent = st.agents.begin(); agent != st.agents.end(); ++agent)
    if (agent->second == n.session) {
      self->demonitor(agent->first);
      self->send(caf::actor_cast<caf::actor>(agent->first), session_over_atom::value, reason);
      st.agents.erase(agent);
      break;
    }
  spdlog::warn("cluster: node {} (session {:x}) lost: {}", n.node, n.session, reason);
  self->send(st.env->scheduler, node_down_atom::value, n.node, n.session);
  publish_node(self, n);
}

void forget_old_sessions(gateway* self) {
  auto& nodes = self->state.nodes;
  std::size_t lost = 0;
  for (const auto& n : nodes)
    if (n.status == cluster_node_record::state::lost) ++lost;
  for (auto it = nodes.begin(); lost > kept_lost_sessions && it != nodes.end();) {
    if (it->status == cluster_node_record::state::lost) {
      it = nodes.erase(it);
      --lost;
    } else {
      ++it;
    }
  }
}

join_reply join(gateway* self, join_request& req) {
  auto& st = self->state;
  if (req.protocol_version != cluster_protocol_version) {
    spdlog::error(
        "cluster: refused node {}: it speaks cluster protocol {}, this coordinator speaks {}",
        req.node, req.protocol_version, cluster_protocol_version);
    return join_reply{false,
                      "protocol version mismatch: the coordinator speaks cluster protocol " +
                          std::to_string(cluster_protocol_version),
                      0,
                      {},
                      cluster_protocol_version,
                      {}};
  }
  if (!tokens_match(st.token, req.token)) {
    spdlog::warn("cluster: refused a join with a wrong token (the peer calls itself '{}')",
                 req.node);
    return join_reply{false, "refused", 0, {}, cluster_protocol_version, {}};
  }
  if (!req.agent || req.node.empty()) {
    spdlog::warn("cluster: refused a join without a node id or agent");
    return join_reply{false, "a join names its node and agent", 0,
                      {},    cluster_protocol_version,          {}};
  }
  // The same node joining again (restarted, or back after a partition):
  // its old session is over.
  for (auto& n : st.nodes)
    if (n.node == req.node && n.status != cluster_node_record::state::lost)
      mark_lost(self, n, "it joined again as a new session");
  std::vector<std::string> known, unknown;
  for (auto& t : req.types)
    (st.env->types->find(t) ? known : unknown).push_back(std::move(t));
  std::uint64_t session = 0;
  while (session == 0 || find_session(self, session) != nullptr)
    session = st.env->rng->next_u64();
  const timestamp t = now(self);
  cluster_node_record rec{
      req.node, req.host,     req.boot_id, session, cluster_node_record::state::joining,
      known,    req.capacity, t,           t,       std::nullopt,
      {}};
  st.nodes.push_back(std::move(rec));
  forget_old_sessions(self);
  st.agents[req.agent.address()] = session;
  self->monitor(req.agent);
  // Linked: the links end with the gateway (the runtime's shutdown waits
  // for every actor), and a link that fails takes its session with it.
  st.links.emplace(session, self->spawn<caf::linked>(node_link, st.env, req.agent, session));
  spdlog::info("cluster: node {} ({}) joined, session {:x}, {} executors, types: {}", req.node,
               req.host, session, req.capacity,
               known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
  if (!unknown.empty())
    spdlog::warn("cluster: node {} runs types this coordinator does not know (never assigned): {}",
                 req.node, fmt::format("{}", fmt::join(unknown, ", ")));
  return join_reply{true, {}, session, st.env->config.node, cluster_protocol_version, unknown};
}

}  // namespace

caf::behavior cluster_gateway(gateway* self, env_ptr env, std::string token) {
  self->state.env = std::move(env);
  self->state.token = std::move(token);
  // Only this process may stop the gateway: a peer on the cluster port
  // holds its handle and could send it an exit.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.source && msg.source.node() != self->node()) {
      spdlog::warn("cluster: ignored an exit sent by a peer");
      return;
    }
    auto& s = self->state;
    for (auto& [session, link] : s.links)
      if (link.address() == msg.source) {
        const std::uint64_t ended = session;
        s.links.erase(ended);
        spdlog::error("cluster: the link of node session {:x} ended: {}", ended,
                      to_string(msg.reason));
        if (auto* n = find_session(self, ended))
          mark_lost(self, *n, "its link ended (" + to_string(msg.reason) + ")");
        return;
      }
    self->quit(msg.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.agents.find(dm.source);
    if (it == st.agents.end()) return;
    const std::uint64_t session = it->second;
    st.agents.erase(it);
    if (auto* n = find_session(self, session))
      mark_lost(self, *n, "its connection ended (" + to_string(dm.reason) + ")");
  });
  return {
      [=](join_atom, join_request& req) { return join(self, req); },
      [=](offer_atom, executor_offer& offer) {
        auto* n = find_session(self, offer.session);
        if (n == nullptr || n->status == cluster_node_record::state::lost ||
            n->node != offer.node) {
          spdlog::warn("cluster: dropped an offer of {} executors for unknown session {:x}",
                       offer.executors.size(), offer.session);
          return;
        }
        n->last_heard = now(self);
        if (n->status == cluster_node_record::state::joining) {
          // Its executors are here: it runs jobs from now on.
          n->status = cluster_node_record::state::up;
          publish_node(self, *n);
        }
        // What the node may run is what it joined with, whatever it says now.
        offer.types = n->types;
        auto link = self->state.links.find(offer.session);
        if (link == self->state.links.end()) return;  // its session is over
        offer.link = link->second;
        self->send(self->state.env->scheduler, offer_atom::value, std::move(offer));
      },
      [=](heartbeat_atom, std::uint64_t session) {
        if (auto* n = find_session(self, session)) n->last_heard = now(self);
      },
      [=](nodes_atom) {
        // For this process's operators only: a peer learns nothing of the cluster.
        const auto& sender = self->current_sender();
        if (sender && sender->node() != self->node()) return std::vector<cluster_node_record>{};
        return self->state.nodes;
      },
  };
}

}  // namespace jobforge

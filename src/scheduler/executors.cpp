// The scheduler's executor slots: the executors nodes offer it (the
// coordinator's own pool and each worker node's), which one a job takes
// (the placement rule is model/executor_capacity), their return, and their
// loss. A slot whose executor ends while it runs an attempt takes that
// attempt with it: the job's supervisor hears of it (executor_lost_atom)
// and returns the job to pending or, out of attempts, fails it.
#include "scheduler/scheduler_internal.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>

namespace jobforge::sched {
namespace {

std::optional<std::size_t> find_node(const scheduler_state& st, const std::string& name,
                                     std::uint64_t session) {
  for (std::size_t n = 0; n < st.nodes.size(); ++n)
    if (st.nodes[n].session == session && st.nodes[n].name == name) return n;
  return std::nullopt;
}

type_set types_of(const scheduler_state& st, const executor_offer& offer) {
  if (!offer.types) return type_set::all();
  type_set out;
  for (const auto& name : *offer.types)
    if (auto t = st.ready.type_index(name)) out.insert(*t);
  return out;
}

// The attempt running on `addr` is gone with its executor.
void lose_busy_slot(scheduler_actor* self, const caf::actor_addr& addr, std::size_t node) {
  auto& st = self->state;
  auto it = st.busy.find(addr);
  if (it == st.busy.end()) return;
  st.ready.finished(it->second.type, now(self));
  st.capacity.slot_gone(node, true);
  if (auto sup = caf::actor_cast<caf::actor>(it->second.supervisor))
    self->send(sup, executor_lost_atom::value, addr, st.nodes[node].name);
  st.busy.erase(it);
}

}  // namespace

void accept_offer(scheduler_actor* self, executor_offer& offer) {
  auto& st = self->state;
  auto node = find_node(st, offer.node, offer.session);
  if (!node) {
    node = st.capacity.add_node(offer.node, types_of(st, offer));
    st.nodes.push_back(node_executors{offer.node, offer.session, offer.link, {}, 0});
  }
  if (!st.capacity.up(*node)) {
    // A late offer of a session that ended: none of it is used.
    spdlog::warn("scheduler: executors offered by node {} after it left; ignored", offer.node);
    return;
  }
  for (auto& ex : offer.executors) {
    if (!ex || st.executor_nodes.count(ex.address())) continue;
    self->monitor(ex);
    st.executor_nodes.emplace(ex.address(), *node);
    st.nodes[*node].idle.push_back(std::move(ex));
    st.capacity.slot_offered(*node);
  }
  try_dispatch(self);
}

void release_slot(scheduler_actor* self, const caf::actor& ex, bool lost) {
  auto& st = self->state;
  auto it = st.busy.find(ex.address());
  if (it == st.busy.end()) return;  // already reclaimed
  const std::size_t node = it->second.node;
  st.ready.finished(it->second.type, now(self));
  st.busy.erase(it);
  ++st.nodes[node].done;
  const bool alive = st.executor_nodes.count(ex.address()) > 0;
  if (!alive) {
    // Gone meanwhile (its node was lost): nothing to give back.
  } else if (lost) {
    // Its worker thread is stuck in a handler: the executor is killed and
    // its pool offers a fresh one for the slot.
    st.executor_nodes.erase(ex.address());
    st.capacity.slot_gone(node, true);
    st.killed_executors.insert(ex.address());
    self->send_exit(ex, caf::exit_reason::kill);
  } else if (st.capacity.up(node)) {
    st.capacity.slot_returned(node);
    st.nodes[node].idle.push_back(ex);
  }
  try_dispatch(self);
  check_drained(self);
}

bool on_executor_down(scheduler_actor* self, const caf::actor_addr& source,
                      const caf::error& reason) {
  auto& st = self->state;
  // One we killed: not a supervisor that died (and already accounted for).
  if (st.killed_executors.erase(source) > 0) return true;
  auto it = st.executor_nodes.find(source);
  if (it == st.executor_nodes.end()) return false;
  const std::size_t node = it->second;
  st.executor_nodes.erase(it);
  if (st.busy.count(source)) {
    spdlog::warn("scheduler: an executor of node {} ended while running an attempt: {}",
                 st.nodes[node].name, to_string(reason));
    lose_busy_slot(self, source, node);
  } else {
    auto& idle = st.nodes[node].idle;
    auto pos = std::find_if(idle.begin(), idle.end(),
                            [&](const caf::actor& a) { return a.address() == source; });
    if (pos != idle.end()) {
      idle.erase(pos);
      st.capacity.slot_gone(node, false);
    }
  }
  try_dispatch(self);
  check_drained(self);
  return true;
}

void on_node_down(scheduler_actor* self, const std::string& name, std::uint64_t session) {
  auto& st = self->state;
  auto node = find_node(st, name, session);
  if (!node || !st.capacity.up(*node)) return;
  // Its executors may still be reachable (only its agent ended): they are
  // forgotten all the same, and their attempts are lost with the node.
  std::vector<caf::actor_addr> busy_here;
  for (const auto& [addr, a] : st.busy)
    if (a.node == *node) busy_here.push_back(addr);
  for (const auto& addr : busy_here) {
    st.executor_nodes.erase(addr);
    lose_busy_slot(self, addr, *node);
  }
  for (const auto& ex : st.nodes[*node].idle)
    st.executor_nodes.erase(ex.address());
  st.nodes[*node].idle.clear();
  st.capacity.node_gone(*node);
  try_dispatch(self);
  check_drained(self);
}

std::vector<node_load> node_loads(scheduler_actor* self) {
  auto& st = self->state;
  std::vector<node_load> out;
  out.reserve(st.nodes.size());
  for (std::size_t n = 0; n < st.nodes.size(); ++n)
    out.push_back(node_load{st.nodes[n].name, st.nodes[n].session, st.capacity.up(n),
                            st.capacity.idle(n) + st.capacity.busy(n), st.capacity.busy(n),
                            st.nodes[n].done});
  return out;
}

}  // namespace jobforge::sched

#include "cluster/worker_agent.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {
namespace {

using agent = caf::stateful_actor<worker_agent_state>;

void send_outcomes(agent* self) {
  auto& st = self->state;
  if (st.outcomes.empty()) return;
  self->send(st.link, outcome_atom::value, st.outcomes.take());
}

// A report of an attempt goes after the outcomes before it, so that the
// coordinator hears of an attempt's events in the order they happened.
template <class Atom, class Report>
void forward(agent* self, Atom what, Report& report) {
  if (!self->state.link) return;
  send_outcomes(self);
  self->send(self->state.link, what, std::move(report));
}

}  // namespace

caf::behavior worker_agent(agent* self, caf::actor gateway,
                           std::function<void(const std::string&)> on_lost) {
  auto& st = self->state;
  st.gateway = std::move(gateway);
  st.on_lost = std::move(on_lost);
  self->monitor(st.gateway);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source != self->state.gateway.address()) return;
    if (self->state.on_lost) self->state.on_lost(to_string(dm.reason));
    self->quit();
  });
  return {
      [=](join_atom, std::uint64_t session) {
        self->state.session = session;
        self->send(self, heartbeat_atom::value);
      },
      [=](heartbeat_atom) {
        auto& s = self->state;
        self->send(s.gateway, heartbeat_atom::value, s.session);
        self->delayed_send(self, std::chrono::seconds(1), heartbeat_atom::value);
      },
      [=](link_atom, caf::actor& link) {
        // Only the coordinator that accepted this session introduces its link.
        if (!link || link.node() != self->state.gateway.node()) {
          spdlog::warn("worker: ignored a link that is not the coordinator's");
          return;
        }
        self->state.link = std::move(link);
      },
      [=](session_over_atom, std::string& reason) {
        const auto& sender = self->current_sender();
        if (!sender || sender->node() != self->state.gateway.node()) {
          spdlog::warn("worker: ignored the end of its session told by another node");
          return;
        }
        if (self->state.on_lost) self->state.on_lost("it gave this session up: " + reason);
        self->quit();
      },
      [=](attempt_atom, std::vector<routed_order>& orders) {
        auto self_handle = caf::actor_cast<caf::actor>(self);
        for (auto& r : orders) {
          if (!r.executor || r.executor.node() != self->node()) {
            spdlog::warn("worker: dropped an order of job {} for an executor not of this node",
                         to_string(r.order.id));
            continue;
          }
          r.order.supervisor = self_handle;  // its reports come back here
          self->send(r.executor, attempt_atom::value, std::move(r.order));
        }
      },
      [=](stop_atom, caf::actor& executor, const job_id& id, int attempt, stop_reason reason) {
        if (executor && executor.node() == self->node())
          self->send(executor, stop_atom::value, id, attempt, reason);
      },
      [=](outcome_atom, attempt_outcome& out) {
        auto& s = self->state;
        if (!s.link) return;
        if (s.outcomes.add(self, std::move(out))) send_outcomes(self);
      },
      [=](flush_atom) {
        self->state.outcomes.flushed();
        send_outcomes(self);
      },
      [=](progress_atom a, progress_report& report) { forward(self, a, report); },
      [=](log_atom a, attempt_log& line) { forward(self, a, line); },
      [=](result_chunk_atom a, result_chunk& chunk) { forward(self, a, chunk); },
  };
}

}  // namespace jobforge

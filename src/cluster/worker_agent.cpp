#include "cluster/worker_agent.hpp"

#include <caf/all.hpp>

namespace jobforge {

caf::behavior worker_agent(caf::stateful_actor<worker_agent_state>* self, caf::actor gateway,
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
  };
}

}  // namespace jobforge

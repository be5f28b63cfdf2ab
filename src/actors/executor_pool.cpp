#include "actors/executor_pool.hpp"

#include "actors/executor.hpp"

#include <caf/all.hpp>

namespace jobforge {
namespace {

using pool = caf::stateful_actor<executor_pool_state>;

void spawn_and_offer(pool* self, std::size_t count) {
  auto& st = self->state;
  executor_offer offer = st.offer;
  offer.executors.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto ex = self->spawn<caf::monitored>(executor, st.env);
    st.executors.insert(ex.address());
    offer.executors.push_back(std::move(ex));
  }
  self->send(st.target, offer_atom::value, std::move(offer));
}

}  // namespace

caf::behavior executor_pool(pool* self, env_ptr env, std::size_t count, caf::actor target,
                            executor_offer offer) {
  auto& st = self->state;
  st.env = std::move(env);
  st.target = std::move(target);
  st.offer = std::move(offer);
  st.offer.executors.clear();
  self->set_down_handler([=](caf::down_msg& dm) {
    // An executor died (killed after its handler ignored a stop): the slot
    // lives on in a fresh one.
    if (self->state.executors.erase(dm.source) > 0) spawn_and_offer(self, 1);
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& s = self->state;
    for (const auto& addr : s.executors)
      if (auto ex = caf::actor_cast<caf::actor>(addr)) self->send_exit(ex, msg.reason);
    s.executors.clear();
    self->quit(msg.reason);
  });
  if (count > 0) spawn_and_offer(self, count);
  return {
      [](caf::unit_t) {},  // receives nothing but system messages
  };
}

}  // namespace jobforge

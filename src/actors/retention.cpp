#include "actors/retention.hpp"

#include "actors/protocol.hpp"
#include "actors/send_after.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {

caf::behavior retention(caf::stateful_actor<retention_state>* self, env_ptr env) {
  self->state.env = std::move(env);
  const retention_policy policy = self->state.env->config.retention;
  const auto me = caf::actor_cast<caf::actor>(self);
  send_after(self, me, policy.interval, wake_atom::value);
  return {
      [=](wake_atom) {
        auto& st = self->state;
        if (!policy.max_age) return;
        const timestamp now = st.env->clock.at(self->clock().now());
        const auto cutoff = to_unix_ms(now - *policy.max_age);
        self->request(st.env->store, caf::infinite, prune_atom::value, cutoff, policy.batch)
            .then([=](count_reply& pruned) {
              auto& s = self->state;
              if (!pruned) {
                spdlog::error("retention: {}", pruned.error_value().message);
              } else {
                s.pruned_this_round += *pruned;
                if (*pruned == policy.batch) {  // more to do: the next batch now
                  self->send(me, wake_atom::value);
                  return;
                }
              }
              if (s.pruned_this_round > 0)
                spdlog::info(
                    "retention: deleted {} finished jobs older than {} h", s.pruned_this_round,
                    std::chrono::duration_cast<std::chrono::hours>(*policy.max_age).count());
              s.pruned_this_round = 0;
              send_after(self, me, policy.interval, wake_atom::value);
            });
      },
  };
}

}  // namespace jobforge

#pragma once
/// Delayed messages that are really immediate when the delay is zero: CAF
/// routes every delayed_send through its clock, which under the simulated
/// clock would hold a zero-delay message until time is advanced.

#include "model/time.hpp"

#include <caf/actor.hpp>

#include <utility>

namespace jobforge {

template <class Self, class... Ts>
void send_after(Self* self, const caf::actor& dest, milliseconds delay, Ts&&... xs) {
  if (delay.count() > 0)
    self->delayed_send(dest, delay, std::forward<Ts>(xs)...);
  else
    self->send(dest, std::forward<Ts>(xs)...);
}

}  // namespace jobforge

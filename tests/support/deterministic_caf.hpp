#pragma once
/// One actor on CAF's deterministic test coordinator with simulated time,
/// for tests of a single actor (store writer, deadline keeper): the config
/// that selects it, and moving its clock forward.

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <chrono>

namespace jobforge::testing_support {

/// `c` set up for the test coordinator, with CAF's logging off.
inline caf::actor_system_config& deterministic(caf::actor_system_config& c) {
  c.set("scheduler.policy", caf::atom("testing"));
  c.set("logger.file-verbosity", caf::atom("quiet"));
  c.set("logger.console", caf::atom("none"));
  return c;
}

/// Moves the simulated clock `d` on, delivering each delayed message when
/// its time comes and running everything it causes.
template <class Rep, class Period>
void advance(caf::scheduler::test_coordinator& sched, std::chrono::duration<Rep, Period> d) {
  auto& clock = sched.clock();
  const auto target =
      clock.current_time + std::chrono::duration_cast<caf::actor_clock::duration_type>(d);
  while (clock.has_pending_timeout() && clock.schedule().begin()->first <= target) {
    clock.trigger_timeout();
    sched.run();
  }
  clock.current_time = target;
}

}  // namespace jobforge::testing_support

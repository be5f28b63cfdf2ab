#pragma once
/// Starting and stopping the runtime's long-lived actors inside an actor
/// system, shared by the real-time runtime and the simulated test harness.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "store/store.hpp"

#include <caf/actor_system.hpp>

#include <functional>
#include <memory>

namespace jobforge {

/// The long-lived actors of one runtime.
struct runtime_actors {
  env_ptr env;
  caf::actor store;
  caf::actor events;
  caf::actor scheduler;
};

/// Spawns the store writer, event hub and scheduler (which spawns the executors).
runtime_actors start_runtime(caf::actor_system& sys, std::shared_ptr<const job_type_registry> types,
                             runtime_config config, std::shared_ptr<store> backend,
                             std::shared_ptr<random_source> rng, timestamp wall_origin);

/// Sends every long-lived actor its exit (the scheduler takes its executors
/// and supervisors down with it).
void stop_runtime(const runtime_actors& actors);

/// Spawns an actor that calls `callback` for every event and subscribes it.
caf::actor subscribe_callback(caf::actor_system& sys, const runtime_actors& actors,
                              std::function<void(const job_event&)> callback);

}  // namespace jobforge

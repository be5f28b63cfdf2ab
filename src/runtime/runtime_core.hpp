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
  caf::actor deadlines;  ///< the attempts' deadlines
  caf::actor retention;  ///< only when finished jobs have a maximum age
  caf::actor executors;  ///< the pool of this process's executors
  caf::actor schedules;  ///< the schedule keeper
};

/// Reads what a previous run left unfinished from `backend`, then spawns the
/// store writer, event hub, scheduler (which resumes those jobs) and the
/// pool of `config.executors` executors offered to it. Fails, spawning nothing, when the store
/// cannot be read.
expected<runtime_actors> start_runtime(caf::actor_system& sys,
                                       std::shared_ptr<const job_type_registry> types,
                                       runtime_config config, std::shared_ptr<store> backend,
                                       std::shared_ptr<random_source> rng,
                                       std::chrono::system_clock::time_point wall_origin);

/// Sends every long-lived actor its exit (the scheduler takes its executors
/// and supervisors down with it).
void stop_runtime(const runtime_actors& actors);

/// Spawns an actor that calls `callback` for every event it receives; the
/// caller subscribes it with a (subscribe_atom, actor) request to the event
/// hub and waits for the answer, so that no event after that is missed.
caf::actor spawn_subscriber(caf::actor_system& sys, std::function<void(const job_event&)> callback);

}  // namespace jobforge

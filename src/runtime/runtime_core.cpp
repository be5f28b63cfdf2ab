#include "runtime/runtime_core.hpp"

#include "actors/deadline_keeper.hpp"
#include "actors/event_hub.hpp"
#include "actors/executor_pool.hpp"
#include "actors/recovery.hpp"
#include "actors/retention.hpp"
#include "actors/schedule_keeper.hpp"
#include "actors/store_writer.hpp"
#include "scheduler/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {

expected<runtime_actors> start_runtime(caf::actor_system& sys,
                                       std::shared_ptr<const job_type_registry> types,
                                       runtime_config config, std::shared_ptr<store> backend,
                                       std::shared_ptr<random_source> rng,
                                       std::chrono::system_clock::time_point wall_origin) {
  // spdlog's logger registry is a function-local static that the first log
  // call builds. Built here, before any of our actors or executor threads
  // exists: ThreadSanitizer cannot see the guard of that static inside
  // Debian's uninstrumented libspdlog, and reported two executor threads
  // (the first to log and the next) as racing on it.
  static_cast<void>(spdlog::default_logger_raw());
  // The actor clock's reading that goes with `wall_origin`, taken before
  // the store's reads: taken after them, every wall time the runtime gives
  // (created_at, started_at, run_at's wake) would be early by however long
  // recovery read (a second for a million queued jobs).
  auto steady_origin = sys.clock().now();
  if (config.mode != execution_mode::simulated) {
    // Read both clocks again back to back, until no preemption fell between
    // them: on a loaded machine the caller's reading of the wall clock can
    // be milliseconds older than ours of the actor clock, and every time
    // the runtime gives would be early by as much.
    for (int attempt = 0; attempt < 16; ++attempt) {
      const auto wall_before = std::chrono::system_clock::now();
      const auto steady = sys.clock().now();
      const auto wall_after = std::chrono::system_clock::now();
      if (wall_after - wall_before <= std::chrono::microseconds(50) || attempt == 15) {
        wall_origin = wall_before + (wall_after - wall_before) / 2;
        steady_origin = steady;
        break;
      }
    }
  }
  // Before the store actor exists, so nothing else touches the store yet.
  auto recovered =
      load_recovered_state(*backend, std::chrono::time_point_cast<milliseconds>(wall_origin));
  if (!recovered) return std::move(recovered).error_value();
  auto schedules = backend->load_schedules();
  if (!schedules) return std::move(schedules).error_value();
  auto env = std::make_shared<runtime_env>(runtime_env{std::move(config),
                                                       std::move(types),
                                                       std::move(rng),
                                                       runtime_clock{steady_origin, wall_origin},
                                                       {},
                                                       {},
                                                       {},
                                                       {}});
  env->documents_shared = backend->shares_snapshots();
  runtime_actors a;
  a.env = env;
  // Detached: a commit waits for the disk, and that must not hold one of
  // CAF's few scheduler threads (writes queue up meanwhile: group commit).
  // Simulated runs keep every actor on the deterministic coordinator, and a
  // store in memory needs no thread of its own (one less hand-off per write).
  store_writer_limits limits;
  limits.results_dir = env->config.results_dir;
  limits.outage = env->write_outage;
  auto readers = backend->open_readers();
  if (!readers) return std::move(readers).error_value();
  for (auto& r : readers.value())
    limits.readers.push_back(std::move(r));
  limits.detached_readers = env->config.mode != execution_mode::simulated;
  if (env->config.mode == execution_mode::simulated || !backend->commits_wait_for_disk()) {
    a.store = sys.spawn(store_writer, std::move(backend), limits);
  } else {
    // A job's start and end wait up to a millisecond for the next
    // submission's commit (one fdatasync for both) instead of each paying
    // one; nothing is acknowledged earlier for it (bench/README.md, 2026-12-07).
    limits.idle_commit_delay = std::chrono::milliseconds(1);
    a.store = sys.spawn<caf::detached>(store_writer, std::move(backend), limits);
  }
  a.events = sys.spawn(event_hub, env);
  a.deadlines = sys.spawn(deadline_keeper, env);
  env->store = a.store;
  env->events = a.events;
  env->deadlines = a.deadlines;
  a.scheduler = spawn_scheduler(sys, env, std::move(recovered).value());
  if (env->config.retention.max_age) a.retention = sys.spawn(retention, env);
  env->scheduler = a.scheduler;
  // The coordinator's own executors reach the scheduler the way a worker
  // node's do: offered by their pool, which replaces one that is killed.
  a.executors = sys.spawn(executor_pool, env, env->config.executors, a.scheduler,
                          executor_offer{env->config.node, 0, std::nullopt, {}, {}});
  a.schedules = sys.spawn(schedule_keeper, env, std::move(schedules).value());
  return a;
}

void stop_runtime(const runtime_actors& a) {
  caf::anon_send_exit(a.schedules, caf::exit_reason::user_shutdown);
  if (a.retention) caf::anon_send_exit(a.retention, caf::exit_reason::user_shutdown);
  if (a.executors) caf::anon_send_exit(a.executors, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(a.scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(a.deadlines, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(a.events, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(a.store, caf::exit_reason::user_shutdown);
}

namespace {

// Spawned with its callback as an argument, not a capture: CAF 0.17 binds a
// null reference to the empty argument tuple of an argument-less functor
// (UBSan reports it).
caf::behavior callback_subscriber(caf::event_based_actor*,
                                  std::function<void(const job_event&)> callback) {
  return {[callback](event_atom, const job_event& e) {
    try {
      callback(e);
    } catch (const std::exception& ex) {
      spdlog::error("event subscriber threw: {}", ex.what());
    } catch (...) {
      spdlog::error("event subscriber threw a non-standard exception");
    }
  }};
}

}  // namespace

caf::actor spawn_subscriber(caf::actor_system& sys,
                            std::function<void(const job_event&)> callback) {
  return sys.spawn(callback_subscriber, std::move(callback));
}

}  // namespace jobforge

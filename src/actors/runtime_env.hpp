#pragma once
/// What every actor of one runtime shares: its configuration, the job types,
/// the random source, the clock, and the handles of the long-lived actors.

#include "actors/store_outage.hpp"
#include "cluster/cluster_settings.hpp"
#include "model/job_type_registry.hpp"
#include "model/priority.hpp"
#include "model/random_source.hpp"
#include "model/schedule.hpp"
#include "model/time.hpp"
#include "model/webhook.hpp"

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace jobforge {

/// How executors run handlers.
enum class execution_mode {
  threads,    ///< each executor owns a worker thread; real time
  simulated,  ///< handlers run inline; their sleeps advance simulated time
};

/// How long finished jobs are kept: older ones are deleted from the store
/// in bounded batches, so that pruning never holds the store for long.
struct retention_policy {
  std::optional<milliseconds> max_age;  ///< unset: keep finished jobs forever
  milliseconds interval{60'000};        ///< between two pruning rounds
  std::size_t batch = 1'000;            ///< jobs deleted per store transaction
};

/// Tunables of the actor runtime.
struct runtime_config {
  std::size_t executors = 16;           ///< attempts running at once
  aging_policy aging;                   ///< how fast waiting jobs gain priority
  milliseconds progress_interval{100};  ///< progress forwarded at most this often per attempt
  milliseconds cancel_grace{5'000};     ///< graceful cancel waits this long for the handler
  milliseconds timeout_grace{5'000};    ///< after a timeout, wait this long before abandoning
  /// An attempt that has run this share of its timeout gets a warning (its
  /// log and event stream, and the process's log); 0: none.
  double timeout_warning_share = 0.8;
  std::string node = "local";      ///< recorded in history entries
  unsigned scheduler_threads = 0;  ///< CAF worker threads; 0 = one per core
  /// Threads mode: the runtime's threads (CAF's, the store writer's, the
  /// executors') run under SCHED_BATCH when the constructing thread runs
  /// under SCHED_OTHER (runtime/thread_policy.hpp); false: they inherit the
  /// constructing thread's policy. The constructing thread keeps its own.
  bool batch_threads = true;
  execution_mode mode = execution_mode::threads;
  retention_policy retention;
  /// Where result files go (a handler's output file, or a JSON result
  /// larger than `max_inline_result_bytes`); empty: results stay in the
  /// store, and a handler's file result fails its attempt.
  std::string results_dir;
  std::size_t max_inline_result_bytes = 64 * 1024;
  /// Webhooks configured per type (a job's own `webhook_url` needs none).
  webhook_settings webhooks;
  /// With a store that keeps no job in memory (SQLite): while fewer jobs
  /// wait than this, the scheduler keeps a new waiting job whole, so that
  /// its dispatch reads nothing (a read waits behind the store's commits);
  /// beyond it, jobs wait as summaries and are read when dispatched. Bounds
  /// the memory of a deep queue; recovered jobs always wait as summaries.
  std::size_t held_documents = 100'000;
  /// A worker node's executors: a file result, or a JSON result larger than
  /// one chunk, goes to the coordinator in chunks (result_chunk_atom) before
  /// the outcome, since only the coordinator keeps result files.
  bool stream_results = false;
  /// Set: the coordinator publishes its cluster gateway there, and worker
  /// nodes may join (threads mode only).
  std::optional<cluster_listen> cluster;
  /// Schedules from the config file (validated, zones known); those made
  /// through the API come from the store.
  std::vector<schedule_definition> schedules;
};

/// Wall-clock time derived from the actor system's clock, so that simulated
/// time (the test coordinator's clock) and real time look the same to actors.
/// The origin keeps the system clock's precision and the sum is truncated to
/// the millisecond once: truncating the origin and the elapsed time apart
/// made a time up to 2 ms earlier than the wall clock it was read after.
class runtime_clock {
 public:
  runtime_clock(caf::actor_clock::time_point steady_origin,
                std::chrono::system_clock::time_point wall_origin)
      : steady_origin_(steady_origin), wall_origin_(wall_origin) {}

  timestamp at(caf::actor_clock::time_point t) const {
    return std::chrono::time_point_cast<milliseconds>(
        wall_origin_ +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady_origin_));
  }

 private:
  caf::actor_clock::time_point steady_origin_;
  std::chrono::system_clock::time_point wall_origin_;
};

/// What the cluster's fencing, node losses and node links did, counted
/// where it happens (supervisors, node links) and read by telemetry.
struct cluster_counters {
  std::atomic<std::uint64_t> lease_sequence{0};
  std::atomic<std::uint64_t> remote_dispatches{0};
  std::atomic<std::uint64_t> stale_reports{0};     ///< dropped: lease no longer current
  std::atomic<std::uint64_t> node_losses_seen{0};  ///< attempts lost with their node
  std::atomic<std::uint64_t> nodes_lost{0};        ///< worker node sessions lost
  std::atomic<std::uint64_t> order_messages{0};    ///< batches of orders sent to nodes
  std::atomic<std::uint64_t> outcome_messages{0};  ///< batches of outcomes nodes sent back
  std::uint64_t next_lease() { return lease_sequence.fetch_add(1, std::memory_order_relaxed) + 1; }
};

/// Shared, immutable after start-up (the actor handles are set once).
struct runtime_env {
  runtime_config config;
  std::shared_ptr<const job_type_registry> types;
  std::shared_ptr<random_source>
      rng;  ///< thread-safe (system) or confined to one thread (simulated)
  runtime_clock clock;
  caf::actor store;
  caf::actor events;
  caf::actor scheduler;
  caf::actor deadlines;  ///< the attempts' deadlines (deadline_keeper)
  /// Subscribers to events; publishers skip building events when zero.
  std::shared_ptr<std::atomic<std::size_t>> subscribers =
      std::make_shared<std::atomic<std::size_t>>(0);
  std::shared_ptr<cluster_counters> cluster = std::make_shared<cluster_counters>();
  /// The store keeps the very snapshots it is given (in memory): the
  /// scheduler may then hold waiting jobs whole at no cost.
  bool documents_shared = false;
  /// Set by the store writer while the store refuses its commits.
  std::shared_ptr<store_outage> write_outage = std::make_shared<store_outage>();
};

using env_ptr = std::shared_ptr<runtime_env>;

}  // namespace jobforge

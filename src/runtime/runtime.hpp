#pragma once
/// jobforge embedded in a C++ program: the API that the HTTP gateway and
/// the CLI are thin layers over. Every call blocks until the runtime
/// answered and returns errors as values.
///
///   jobforge::job_type_registry types;
///   jobforge::handlers::register_demo_types(types);
///   jobforge::runtime rt(std::move(types));
///   auto job = rt.submit({"echo", boost::json::object{{"hi", 1}}});

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "model/job_type_registry.hpp"
#include "store/store.hpp"

#include <functional>
#include <memory>
#include <stdexcept>

namespace jobforge {

/// How a cancellation is made.
struct cancel_options {
  cancel_mode mode = cancel_mode::graceful;
  std::string reason;
  std::string by;
};

class runtime;

/// Where a job's result file is, to stream it out.
struct result_download {
  std::string path;  ///< absolute or relative to the working directory
  result_blob blob;
};

/// One node of the cluster: the coordinator's own executors, or one
/// session of a worker node.
struct cluster_node {
  std::string node;
  std::string host;
  std::uint64_t session = 0;       ///< 0: the coordinator itself
  std::string state;               ///< "up" or "lost"
  std::vector<std::string> types;  ///< empty with all_types
  bool all_types = false;
  std::size_t capacity = 0;  ///< executors offered
  std::size_t running = 0;
  std::uint64_t done = 0;  ///< attempts ended on it
  std::optional<timestamp> joined_at;
  std::optional<timestamp> last_heard;
  std::optional<timestamp> lost_at;
  std::string lost_reason;
};

/// What the cluster's fencing and node losses did so far.
struct cluster_activity {
  std::uint64_t remote_dispatches = 0;  ///< attempts sent to worker nodes
  std::uint64_t stale_reports = 0;      ///< reports dropped: their lease was no longer current
  std::uint64_t attempts_lost = 0;      ///< attempts lost with their node
  std::uint64_t nodes_lost = 0;         ///< worker node sessions lost (killed, hung, cut off, left)
  /// Messages that carried orders to nodes and outcomes back: each holds
  /// the attempts that came in together (remote_dispatches / order_messages
  /// is the batch size).
  std::uint64_t order_messages = 0;
  std::uint64_t outcome_messages = 0;
};

/// The runtime could not start: its store could not be read.
class startup_error : public std::runtime_error {
 public:
  explicit startup_error(error cause)
      : std::runtime_error("jobforge could not start: " + cause.message),
        cause_(std::move(cause)) {}
  const error& cause() const noexcept { return cause_; }

 private:
  error cause_;
};

/// Keeps an event callback registered; unsubscribes when destroyed.
class subscription {
 public:
  subscription();
  subscription(subscription&&) noexcept;
  subscription& operator=(subscription&&) noexcept;
  ~subscription();
  void cancel();

 private:
  friend class runtime;
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A running job processor in this process.
class runtime {
 public:
  /// Resumes every job `backend` holds unfinished and starts the actors;
  /// `types` is frozen from here on. Throws startup_error when the store
  /// cannot be read.
  explicit runtime(job_type_registry types, runtime_config config = {},
                   std::shared_ptr<store> backend = make_memory_store());
  ~runtime();  ///< shuts down (see shutdown())
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Submits a job; answers once it is stored. `created` is false when the
  /// submission was deduplicated onto an existing job.
  expected<submit_result> submit(job_request request);
  /// Submits many jobs at once, all or none, stored in one write: the
  /// answers in entry order (an entry deduplicated onto an existing job
  /// answers with it, `created` false). A bad entry fails the whole batch
  /// with its index in the error's details.
  expected<std::vector<submit_result>> submit_batch(std::vector<batch_entry> entries);
  expected<job> get(const job_id& id);
  expected<job_page> list(const job_query& query);
  /// The result file of a completed job: not_found when its result is
  /// plain JSON (in the job), conflict when it has not completed, unavailable
  /// when the file has gone missing from the results folder.
  expected<result_download> result_file(const job_id& id);
  /// The same for a job already read (no second read of the store).
  expected<result_download> result_file(const job& j) const;
  /// Cancels a job and answers with it once it is canceled (a graceful
  /// cancel of a running job waits for the handler up to the grace period).
  expected<job> cancel(const job_id& id, cancel_options options = {});
  /// Waits until the job is terminal, or `timeout` (error_code::timeout).
  expected<job> wait(const job_id& id, milliseconds timeout);
  /// Submits and waits for the result: the handler's JSON result, or
  /// job_failed (details: last_error, job_id), job_canceled, or timeout (the
  /// job goes on; details: job_id).
  expected<boost::json::value> execute_sync(job_request request, milliseconds timeout);
  /// Replays a failed job from the dead-letter queue, optionally with a new payload.
  expected<job> replay(const job_id& id, std::optional<boost::json::value> payload = std::nullopt,
                       std::string by = {});
  /// Removes a failed job from the dead-letter queue for good.
  expected<job> discard(const job_id& id);
  /// Makes a blocked job also wait for `parents` (unfinished jobs); a
  /// dependency cycle is refused with dependency_cycle and changes nothing.
  expected<job> add_dependencies(const job_id& id, std::vector<job_id> parents);
  /// A blocked job stops waiting for `parent` (and runs if nothing else holds it).
  expected<job> remove_dependency(const job_id& id, const job_id& parent);
  /// Gives a job that has not started (scheduled, blocked or pending) a new
  /// priority; a pending one moves in the ready queue, keeping its wait.
  /// A started, canceling or finished job is a conflict naming its status.
  /// The job's history records the change and `by` (who asked).
  expected<job> change_priority(const job_id& id, priority p, const std::string& by = {});
  /// The lines the job's handler logged, as far as the runtime keeps them
  /// (in memory, bounded: job_log_book); none for an unknown job.
  expected<job_log_book::lines_of> job_logs(const job_id& id);
  expected<void> pause_type(const std::string& type);
  expected<void> resume_type(const std::string& type);
  expected<scheduler_stats> stats();

  /// Periodic schedules (docs/schedules.md): the config's and the API's,
  /// sorted by name.
  expected<std::vector<schedule_status>> schedules();
  expected<schedule_status> schedule(const std::string& name);
  /// Adds a schedule, stored durably before it answers; a `conflict` when
  /// the name is taken, `invalid_argument` (naming the field) when the
  /// definition or its job is not one the runtime takes. `by`: who asked.
  expected<schedule_status> create_schedule(schedule_definition definition,
                                            const std::string& by = {});
  /// Deletes an API schedule (a config one is a `conflict`); its jobs stay.
  expected<void> delete_schedule(const std::string& name, const std::string& by = {});
  /// Pauses (no tick fires) or resumes (ticks count from now) a schedule.
  expected<schedule_status> pause_schedule(const std::string& name, bool paused,
                                           const std::string& by = {});
  /// Makes one job of the schedule now; its ticks stay as they are.
  expected<submit_result> trigger_schedule(const std::string& name, const std::string& by = {});

  /// The port worker nodes join on, when runtime_config::cluster is set.
  std::optional<std::uint16_t> cluster_port() const;
  /// Every node: this process's executors first, then worker node sessions
  /// (lost ones too, for a while).
  expected<std::vector<cluster_node>> cluster_nodes();
  cluster_activity cluster_counts() const;
  /// Whether some node that is up runs `type`.
  expected<std::vector<std::string>> runnable_types();

  /// Calls `callback` (on a runtime thread) for every status change and
  /// progress report until the subscription is destroyed.
  subscription subscribe(std::function<void(const job_event&)> callback);
  const job_type_registry& types() const;

  /// How many jobs the store holds in each status (reads the store).
  expected<status_counts> counts();

  /// What the store writer did so far (transactions and their sizes).
  expected<store_writer_stats> store_stats();

  /// While the store refuses the writer's commits (a full disk...): why,
  /// since when, how many writes wait. New submissions are refused meanwhile.
  std::optional<store_outage::report> write_outage() const;
  /// How many such outages began since start.
  std::uint64_t write_outages() const;

  /// Commits every write the store writer has received (a forced exit's
  /// last act).
  expected<void> flush();

  /// Graceful shutdown, first half: refuses new submissions and replays,
  /// dispatches nothing more, lets running attempts finish for up to
  /// `grace`, then stops the rest and returns their jobs to pending, and
  /// answers once everything is committed to the store. Call shutdown() next.
  expected<void> drain(milliseconds grace);

  /// Stops the actors and abandons handlers still running. Idempotent.
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge

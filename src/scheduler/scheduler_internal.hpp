#pragma once
/// Private to src/scheduler/: the scheduler's state and the functions its
/// files share, split by concern (scheduler.cpp: the behaviour and dispatch;
/// jobs.cpp: admission, cancel, wait, replay, discard; batch.cpp;
/// dependencies.cpp and inheritance.cpp: the graph and lent priorities;
/// documents.cpp: reading what the scheduler does not hold; executors.cpp:
/// offers, slots and nodes; priority.cpp; recovery.cpp; drain.cpp).
/// Everything else reaches the scheduler through its messages
/// (scheduler/scheduler.hpp says which).

#include "scheduler/scheduler.hpp"

#include "actors/protocol.hpp"
#include "actors/recovery.hpp"
#include "actors/runtime_env.hpp"
#include "model/dedup.hpp"
#include "model/dependency_graph.hpp"
#include "model/executor_capacity.hpp"
#include "model/priority_inheritance.hpp"
#include "model/ready_queue.hpp"

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobforge {

/// What the scheduler schedules a waiting job on, taken from its summary
/// (the fields it needs after admission; kept small: one per waiting job).
struct waiting_record {
  std::string type;
  std::optional<timestamp> run_at;  ///< a released blocked job waits for it
  job_status status = job_status::pending;
  jobforge::priority priority = priority::normal;
  dependency_mode mode = dependency_mode::all;
  dependency_failure_policy on_failure = dependency_failure_policy::cancel;

  static waiting_record of(const job_summary& s) {
    return {s.type, s.run_at, s.status, s.priority, s.dependencies.mode, s.dependencies.on_failure};
  }
  static waiting_record of(const job& j) {
    return {j.type, j.run_at, j.status, j.priority, j.dependencies.mode, j.dependencies.on_failure};
  }
  /// The rule evaluate_dependencies applies (the parents are in the graph).
  dependency_spec rule() const { return dependency_spec{{}, mode, on_failure}; }
};

/// A non-terminal job the scheduler knows about.
struct live_job {
  /// Its status is current until the job is dispatched (the supervisor
  /// owns it from then on).
  waiting_record waiting;
  caf::actor supervisor;  ///< once dispatched
  /// The whole job, only while the scheduler needs it or holding it is free
  /// (a store that shares its snapshots): otherwise it is read from the
  /// store writer when needed (with_document) or by the supervisor.
  /// Replaced, never mutated.
  job_ptr data;
  /// Counts the scheduler's own changes, so that a read from the store that
  /// crossed one is not taken for the latest job.
  std::uint32_t revision = 0;
  parent_tally parents;  ///< for blocked jobs
  bool dependencies_met = false;
  bool canceling = false;  ///< being canceled; it must not be dispatched again
};
// One per live job: with its id and the hash link it fills a 128-byte node.
static_assert(sizeof(live_job) <= 104, "live_job grew past its allocation size class");

/// What stats() reports about the live jobs, kept up to date as they change:
/// a walk over every job on each call held the scheduler for as long as the
/// queue is deep (a Prometheus scrape of a million waiting jobs).
struct live_counts {
  std::size_t scheduled = 0;    ///< waiting for their run_at
  std::size_t blocked = 0;      ///< waiting for their parents
  std::size_t supervisors = 0;  ///< dispatched: a supervisor owns them

  /// `sign` +1 counts `lj` in, -1 counts it out (around every change of its
  /// waiting status or supervisor, and before it is forgotten).
  void add(const live_job& lj, int sign) {
    std::size_t* n = lj.supervisor                                ? &supervisors
                     : lj.waiting.status == job_status::scheduled ? &scheduled
                     : lj.waiting.status == job_status::blocked   ? &blocked
                                                                  : nullptr;
    if (n != nullptr) *n = sign > 0 ? *n + 1 : *n - 1;
  }
};

/// An executor slot handed to a job.
struct assignment {
  job_id id;
  std::string type;
  caf::actor_addr supervisor;  ///< who holds the slot (set once known)
  std::size_t node = 0;        ///< index in scheduler_state::nodes
};

/// One node's executors (one session of a worker node, or the
/// coordinator's own): the idle ones, and what ran there.
struct node_executors {
  std::string name;
  std::uint64_t session = 0;
  caf::actor link;  ///< a worker node's: its attempts go through it
  std::vector<caf::actor> idle;
  std::uint64_t done = 0;  ///< attempts that ended on it
};

namespace sched {
/// A submission on its way in: its parents looked up, then its commit.
struct pending_submission {
  job j;
  job_ptr snapshot;  ///< what was committed
  parent_tally tally;
  std::vector<job_id> unfinished_parents;
  std::size_t lookups_left = 0;
  std::optional<error> failure;
  caf::response_promise promise;
};
}  // namespace sched

struct scheduler_state {
  env_ptr env;
  ready_queue ready;
  std::unordered_map<job_id, live_job> jobs;
  std::multimap<timestamp, job_id> timers;  ///< run_at of scheduled and blocked jobs
  /// When blocked jobs with a dependency timeout stop waiting (only those).
  std::multimap<timestamp, job_id> dependency_deadlines;
  std::optional<timestamp> wake_armed;  ///< earliest wake message in flight
  dependency_graph graph;               ///< edited only through link_/unlink_ (inheritance.cpp)
  priority_inheritance inheritance;
  dedup_window dedup;
  /// Executor slots by node (capacity's node indices index `nodes` too).
  executor_capacity capacity;
  std::vector<node_executors> nodes;
  /// Every offered executor that lives, with its node.
  std::unordered_map<caf::actor_addr, std::size_t> executor_nodes;
  /// Executors killed on purpose (stuck in a handler): their end is expected.
  std::unordered_set<caf::actor_addr> killed_executors;
  std::unordered_map<caf::actor_addr, assignment> busy;
  std::unordered_map<job_id, std::vector<caf::response_promise>> waiters;
  /// Cancel requests waiting for their job to end (answered with a conflict
  /// if it ended otherwise, e.g. completed just before the exit arrived).
  std::unordered_map<job_id, std::vector<caf::response_promise>> cancel_waiters;
  std::unordered_set<job_id> in_flight;  ///< replays/discards being processed
  /// Submissions between their first look at the parents and admission, and
  /// the parents that finished meanwhile (so no child waits for a parent
  /// whose end it missed). Cleared whenever no submission is in flight.
  std::size_t admissions_in_flight = 0;
  std::unordered_map<job_id, job_status> finished_during_admission;
  /// Submissions whose commit the store writer has not reported yet.
  std::unordered_map<job_id, std::shared_ptr<sched::pending_submission>> committing;
  live_counts counts;  ///< of `jobs`
  /// Jobs whose document the store failed to return, read again after a
  /// growing delay (a job must not be stranded by a failed read).
  struct reread {
    std::vector<std::function<void(live_job*)>> waiting;
    milliseconds delay{0};  ///< the last wait, for the next one's length
    bool armed = false;     ///< a reread message is in flight
  };
  std::unordered_map<job_id, reread> rereads;
  std::uint64_t sequence = 0;
  /// A graceful shutdown has begun: nothing is admitted or dispatched, and
  /// these wait for the last running attempt to end.
  bool draining = false;
  /// Resuming a previous run's jobs: dispatch waits until all are in,
  /// including the interrupted ones whose documents are being read.
  bool recovering = false;
  std::size_t interrupted_reads = 0;
  std::vector<caf::response_promise> drain_waiters;
  static inline const char* name = "scheduler";
};

using scheduler_actor = caf::stateful_actor<scheduler_state>;

/// The behaviour spawn_scheduler starts.
caf::behavior scheduler(scheduler_actor* self, env_ptr env,
                        std::shared_ptr<recovered_state> recovered);

// The parts of the scheduler, split by concern (the files of src/scheduler/).
namespace sched {
timestamp now(scheduler_actor* self);
void try_dispatch(scheduler_actor* self);
/// Takes the executors of an offer (executors.cpp), watching each.
void accept_offer(scheduler_actor* self, executor_offer& offer);
/// An executor's slot is free again; `lost`: its handler ignored a stop, so
/// it is killed (its pool offers a fresh one) instead of reused.
void release_slot(scheduler_actor* self, const caf::actor& ex, bool lost);
/// Handles the end of an offered executor; false if `source` is none.
bool on_executor_down(scheduler_actor* self, const caf::actor_addr& source,
                      const caf::error& reason);
/// A node left or was lost: it runs nothing more; its running attempts are lost.
void on_node_down(scheduler_actor* self, const std::string& node, std::uint64_t session);
/// What each node runs and ran.
std::vector<node_load> node_loads(scheduler_actor* self);
void arm_wake(scheduler_actor* self);
void on_wake(scheduler_actor* self);
/// Persists a job snapshot the scheduler holds and publishes its last transition.
void record(scheduler_actor* self, const job_ptr& j);
/// What with_document does when the store fails to return the job.
enum class if_unreadable {
  retry,    ///< read again later (next_reread_delay) until it answers
  give_up,  ///< call `then(nullptr)`: a client's edit that can be refused
};
/// Calls `then(lj)` once `lj.data` holds the whole job: at once if held,
/// else when the store writer answered. `then(nullptr)`: the job left the
/// scheduler (finished, dispatched) meanwhile, or (with `give_up`) could
/// not be read.
void with_document(scheduler_actor* self, const job_id& id, std::function<void(live_job*)> then,
                   if_unreadable policy = if_unreadable::retry);
/// The reread_atom message: reads again the jobs waiting for `id`.
void reread(scheduler_actor* self, const job_id& id);
/// Makes `snapshot`, a change the scheduler made, what `lj` holds.
void hold(scheduler_actor* self, live_job& lj, job_ptr snapshot);
/// Drops a job the scheduler no longer tracks (ended, or canceled while blocked).
void forget(scheduler_actor* self, const job_id& id);
/// Lets go of the whole job while it waits, unless holding it is free.
void release_document(scheduler_actor* self, live_job& lj);
/// Queues a pending job for dispatch, in the order of `sequence` among jobs
/// of its priority (0: after every job queued so far).
void queue_ready(scheduler_actor* self, const job_id& id, live_job& lj, timestamp t,
                 std::uint64_t sequence = 0);
/// A copy of `j` moved to `to`, persisted and published; nullptr (logged) if
/// the move is impossible.
job_ptr move(scheduler_actor* self, job j, job_status to, transition_note note = {});
/// Puts a persisted job where its status says (blocked jobs wait on
/// `unfinished_parents`, with `tally` counting the parents already finished).
/// `data` is the whole job if at hand (may be null).
void admit(scheduler_actor* self, const job_summary& summary, job_ptr data, parent_tally tally = {},
           const std::vector<job_id>& unfinished_parents = {});
/// admit() for a job at hand.
void admit(scheduler_actor* self, job_ptr j, parent_tally tally = {},
           const std::vector<job_id>& unfinished_parents = {});
void submit(scheduler_actor* self, job_request& request, caf::response_promise promise);
/// Admits a batch all or nothing, persisted in one write (batch.cpp);
/// a schedule's firing passes its record, written in that same transaction.
void submit_batch(scheduler_actor* self, std::vector<batch_entry>& entries,
                  caf::response_promise promise,
                  std::optional<schedule_record> schedule = std::nullopt);
/// Admission bookkeeping shared by single and batch submissions.
void end_admission(scheduler_actor* self);
/// The store writer committed these submissions (or failed to): admit them
/// (or forget their deduplication keys). Their submitters are answered by
/// the writer.
void submissions_committed(scheduler_actor* self, const std::vector<job_id>& ids,
                           const void_reply& result);
void forget_dedup(scheduler_actor* self, const job& j);
/// A new job whose parents already decided it starts pending (or scheduled).
void settle_initial_status(scheduler_actor* self, job& j, const parent_tally& tally);
/// Publishes a new job's first status.
void publish_submitted(scheduler_actor* self, const job& j);
/// Counts a finished parent's outcome.
void count_parent(parent_tally& tally, job_status s);
/// The answer to new work while draining.
error shutting_down();
void cancel(scheduler_actor* self, const job_id& id, const cancel_request& req,
            caf::response_promise promise);
void wait_for(scheduler_actor* self, const job_id& id, caf::response_promise promise);
void replay(scheduler_actor* self, const job_id& id, replay_request& req,
            caf::response_promise promise);
void discard(scheduler_actor* self, const job_id& id, caf::response_promise promise);
/// Gives a job that has not started a new priority (priority.cpp).
void change_priority(scheduler_actor* self, const job_id& id, priority p, const std::string& by,
                     caf::response_promise promise);
/// The priority a job of own priority `own` competes at (its own, or one
/// lent by the jobs waiting on it).
priority competing_priority(scheduler_actor* self, const job_id& id, priority own);
/// Graph edits (inheritance.cpp), each keeping the lent priorities
/// in step: `child` waits on `parents` (refused if it would close a cycle),
/// no longer waits on any or one of them, or leaves the graph for good.
expected<void> link_parents(scheduler_actor* self, const job_id& child,
                            const std::vector<job_id>& parents);
void unlink_parents(scheduler_actor* self, const job_id& child);
void unlink_parent(scheduler_actor* self, const job_id& child, const job_id& parent);
void unlink_job(scheduler_actor* self, const job_id& id);
/// `id`'s own priority moved from `before`: what it lends moves with it.
void own_priority_changed(scheduler_actor* self, const job_id& id, priority before);
/// Adds parents to a blocked job (refusing cycles) or removes one.
void add_parents(scheduler_actor* self, const job_id& id, const std::vector<job_id>& parents,
                 caf::response_promise promise);
void remove_parent(scheduler_actor* self, const job_id& id, const job_id& parent,
                   caf::response_promise promise);
/// Resumes what a previous run left unfinished (running jobs go back to
/// pending, their attempt recorded as interrupted), before any request.
void recover(scheduler_actor* self, recovered_state& state);
/// Graceful shutdown: stop admitting and dispatching; answer `promise` when
/// no attempt runs any more, interrupting those still running after `grace`.
void drain(scheduler_actor* self, milliseconds grace, caf::response_promise promise);
/// Answers the drain once the last slot is free.
void check_drained(scheduler_actor* self);
/// Applies the verdict of a blocked job's parents: keeps it waiting,
/// releases it (to pending, or to its run_at timer) or cancels it. Returns
/// the job as moved at once (pending, or canceled: the caller then settles
/// its dependents), or nullptr (still waiting, or moved once read).
job_ptr settle_blocked(scheduler_actor* self, const job_id& id, timestamp t,
                       const std::string& cancel_reason);
/// A blocked job's dependency timeout passed: decide it by its on_failure.
void on_dependency_timeout(scheduler_actor* self, const job_id& id);
/// A job reached a terminal status: wake dependents, answer waiters.
void on_terminal(scheduler_actor* self, job_ptr j);
}  // namespace sched

}  // namespace jobforge

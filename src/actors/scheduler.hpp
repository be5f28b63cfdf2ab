#pragma once
/// The scheduler: admits submissions, holds every job that waits (pending in
/// the ready queue, scheduled until its run_at, blocked on its parents),
/// owns the executor slots, and hands a job and an executor to the job's
/// supervisor (spawning it at the first dispatch). It resolves dependencies
/// when jobs finish, applies per-type limits, pause/resume and
/// deduplication, and answers cancel, wait, replay and discard.
///
/// Receives from clients: submit, cancel, wait, replay, discard, depend,
/// undepend, pause, resume, stats, drain. From supervisors: released, lost, requeue, finished,
/// down_msg. From itself: wake (run_at and rate-limit timers).

#include "actors/protocol.hpp"
#include "actors/recovery.hpp"
#include "actors/runtime_env.hpp"
#include "model/dedup.hpp"
#include "model/dependency_graph.hpp"
#include "model/ready_queue.hpp"

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobforge {

/// A non-terminal job the scheduler knows about.
struct live_job {
  std::string type;
  caf::actor supervisor;  ///< once dispatched
  /// Held here until the supervisor takes over: the very snapshot the store
  /// keeps, so a waiting job exists once in memory. Replaced, never mutated.
  job_ptr data;
  parent_tally parents;  ///< for blocked jobs
  bool dependencies_met = false;
  bool canceling = false;  ///< an exit went to its supervisor; it must not be dispatched again
};

/// An executor slot handed to a job.
struct assignment {
  job_id id;
  std::string type;
  caf::actor_addr supervisor;  ///< who holds the slot (set once known)
};

struct scheduler_state {
  env_ptr env;
  ready_queue ready;
  std::unordered_map<job_id, live_job> jobs;
  std::multimap<timestamp, job_id> timers;  ///< run_at of scheduled and blocked jobs
  std::optional<timestamp> wake_armed;      ///< earliest wake message in flight
  dependency_graph graph;
  dedup_window dedup;
  std::vector<caf::actor> idle;
  std::unordered_map<caf::actor_addr, assignment> busy;
  std::size_t executor_count = 0;
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
  std::uint64_t sequence = 0;
  /// A graceful shutdown has begun: nothing is admitted or dispatched, and
  /// these wait for the last running attempt to end.
  bool draining = false;
  /// Resuming a previous run's jobs: dispatch waits until all are in.
  bool recovering = false;
  std::vector<caf::response_promise> drain_waiters;
  static inline const char* name = "scheduler";
};

using scheduler_actor = caf::stateful_actor<scheduler_state>;

/// Starts with the jobs of `recovered` (may be null: nothing to resume).
caf::behavior scheduler(scheduler_actor* self, env_ptr env,
                        std::shared_ptr<recovered_state> recovered);

// The parts of the scheduler, split by concern (scheduler_*.cpp).
namespace sched {
timestamp now(scheduler_actor* self);
void try_dispatch(scheduler_actor* self);
void arm_wake(scheduler_actor* self);
void on_wake(scheduler_actor* self);
/// Persists a job snapshot the scheduler holds and publishes its last transition.
void record(scheduler_actor* self, const job_ptr& j);
/// A copy of `j` moved to `to`, persisted and published; nullptr (logged) if
/// the move is impossible.
job_ptr move(scheduler_actor* self, job j, job_status to, transition_note note = {});
/// Puts a persisted job where its status says (blocked jobs wait on
/// `unfinished_parents`, with `tally` counting the parents already finished).
void admit(scheduler_actor* self, job_ptr j, parent_tally tally = {},
           const std::vector<job_id>& unfinished_parents = {});
void submit(scheduler_actor* self, job_request& request, caf::response_promise promise);
/// Admits a batch all or nothing, persisted in one write (scheduler_batch.cpp).
void submit_batch(scheduler_actor* self, std::vector<batch_entry>& entries,
                  caf::response_promise promise);
/// Admission bookkeeping shared by single and batch submissions.
void end_admission(scheduler_actor* self);
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
/// A job reached a terminal status: wake dependents, answer waiters.
void on_terminal(scheduler_actor* self, job_ptr j);
}  // namespace sched

}  // namespace jobforge

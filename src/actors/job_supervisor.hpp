#pragma once
/// The job supervisor: one actor per live job (spawned when the job is first
/// dispatched, gone when it is terminal). It owns the job's state machine:
/// starts attempts on the executor the scheduler hands it, enforces the
/// attempt's timeout (stop token at the deadline, abandonment after the
/// grace period), arms its retry backoff as a delayed message to itself, and
/// moves exhausted or permanently failed jobs to `failed`. Cancellation
/// arrives as an exit message carrying a cancel_request.
///
/// Receives: (run_atom, executor_ref) from the scheduler; (outcome_atom, ...),
/// (progress_atom, ...) and a worker node's (log_atom, ...) from executors;
/// its own timers (deadline_atom, grace_atom, retry_due_atom); exit_msg
/// (cancellation).
/// Sends: attempts and stops to executors; released/lost/requeue/finished to
/// the scheduler; persists to the store writer; events to the event hub.
/// An executor is given back only after the transition that ends its
/// attempt was sent to the store, so that whoever sees the slot free (a
/// drain answering "nothing runs any more") also sees that write ordered
/// before its own.
/// Also (interrupt_atom) from a draining scheduler, and (executor_lost_atom)
/// when the executor running its attempt is gone with its node: the job
/// goes back to pending (kind node_lost, the node named), or to failed when
/// that was its last attempt. Reports carry the attempt's lease; one that is
/// not the current lease is dropped (counted in cluster_counters).
///
/// The scheduler holds only a summary of most waiting jobs: a supervisor
/// spawned without its job reads it from the store writer (read_atom)
/// before the first attempt. A cancellation or an interruption that arrives
/// meanwhile is applied once the job is in.

#include "actors/outcome_results.hpp"
#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <optional>

namespace jobforge {

struct job_supervisor_state {
  env_ptr env;
  job current;
  bool loaded = false;          ///< `current` holds the job (it may still be read from the store)
  executor_ref first_executor;  ///< held while the job is being read
  bool interrupted = false;     ///< a drain ended before the job was read
  caf::actor executor;          ///< while an attempt runs
  std::string executor_node;    ///< the node `executor` runs on
  caf::actor link;              ///< a worker node's executor: the node's link
  attempt_lease lease;          ///< of the attempt in flight
  result_receiver incoming;     ///< a worker node's large result, as it arrives
  int running_attempt = 0;      ///< the attempt in flight, 0 = none
  bool timed_out = false;       ///< the running attempt passed its deadline
  bool executor_stuck = false;  ///< its handler ignored a stop: replace, not reuse
  std::optional<cancel_request> canceling;  ///< a cancellation waiting for the handler
  static inline const char* name = "job_supervisor";
};

/// Spawned by the scheduler with the job `id` (status pending) and its first
/// executor; `j` is the job when the scheduler holds it, else null (read
/// from the store first).
caf::behavior job_supervisor(caf::stateful_actor<job_supervisor_state>* self, env_ptr env,
                             job_id id, job_ptr j, executor_ref first_executor);

}  // namespace jobforge

#pragma once
/// The scheduler: admits submissions, holds every job that waits (pending in
/// the ready queue, scheduled until its run_at, blocked on its parents),
/// owns the executor slots, and hands a job and an executor to the job's
/// supervisor (spawning it at the first dispatch). It resolves dependencies
/// when jobs finish, applies per-type limits, pause/resume and
/// deduplication, and answers cancel, wait, replay and discard.
///
/// Receives from clients: submit, cancel, wait, replay, discard, depend,
/// undepend, priority, pause, resume, stats, drain. From supervisors:
/// released, lost, requeue, finished, down_msg. From executor pools and node
/// links: offer. From itself: wake (run_at and rate-limit timers). From the
/// store writer: the jobs it reads for a transition of a job held as a
/// summary, and the commits of submissions.
///
/// Its state and parts are private to this folder (scheduler_internal.hpp).

#include "actors/runtime_env.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace jobforge {

struct recovered_state;

/// Starts the scheduler with the jobs of `recovered` (may be null: nothing
/// to resume). It spawns no executor: they are offered to it (offer_atom).
caf::actor spawn_scheduler(caf::actor_system& sys, env_ptr env,
                           std::shared_ptr<recovered_state> recovered);

}  // namespace jobforge

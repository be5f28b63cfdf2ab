#pragma once
/// The webhook outbox: a status change that calls for webhooks is written
/// together with one delivery job per URL, in the same store transaction,
/// so a change is never on disk without its deliveries. The deliveries are
/// then ordinary jobs of type `webhook.deliver`: queued, retried with
/// backoff, bounded in attempts, recovered after a restart.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"

#include <vector>

namespace jobforge {

/// The store writes for a change of `changed` (its last history entry):
/// the job, then any delivery jobs, which are also appended to `deliveries`
/// for the scheduler to queue once they are sent to the store.
std::vector<store_write> change_writes(const runtime_env& env, const job_ptr& changed,
                                       timestamp now, std::vector<job_ptr>& deliveries);

}  // namespace jobforge

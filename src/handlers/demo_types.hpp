#pragma once
/// The test and demo job types of SPEC §4: noop, echo, sleep, fail and
/// progress. Each is defined in its own file next to this one.

#include "model/error.hpp"
#include "model/job_type.hpp"
#include "model/job_type_registry.hpp"

namespace jobforge::handlers {

/// Does nothing and completes with a null result.
job_type noop_type();
/// Completes with its payload as the result.
job_type echo_type();
/// Sleeps `ms` milliseconds, waking early (and failing) on a stop request.
job_type sleep_type();
/// Fails its first `times` attempts with error kind `kind`, then succeeds.
job_type fail_type();
/// Reports `steps` progress steps `step_ms` apart, resuming from its checkpoint.
job_type progress_type();

/// Registers all five; fails if any name is already taken.
expected<void> register_demo_types(job_type_registry& registry);

}  // namespace jobforge::handlers

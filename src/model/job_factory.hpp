#pragma once
/// Building a new job from a submission and its type: checks the request's
/// own fields, applies the type's defaults, clamps overrides to the type's
/// bounds, derives the dedup key and picks the initial status.

#include "model/error.hpp"
#include "model/job.hpp"
#include "model/job_request.hpp"
#include "model/job_type.hpp"

namespace jobforge {

/// The tenant of a submission that names none.
inline constexpr const char* default_tenant = "default";

/// Limits on free-form request fields.
inline constexpr std::size_t max_tags = 32;
inline constexpr std::size_t max_tag_length = 64;
inline constexpr std::size_t max_parents = 1000;
/// The furthest a job may be delayed (`run_in_ms`, or `run_at` from now): 100 years.
inline constexpr std::int64_t max_delay_ms = 100LL * 366 * 24 * 3600 * 1000;

/// Builds the job (payload assumed validated). The initial status is
/// `blocked` with parents, else `scheduled` when run_at lies ahead, else
/// `pending`; a blocked job with a run_at also waits for it before running.
/// Fails with `invalid_argument` on negative or contradictory fields,
/// duplicate parents, a job depending on itself, or too many tags.
expected<job> build_job(const job_request& request, const job_type& type, const job_id& id,
                        timestamp now);

}  // namespace jobforge

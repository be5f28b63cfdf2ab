#pragma once
/// Tenancy in the gateway (SPEC §8): a caller sees the jobs of its own
/// tenant only, admins see all. Another tenant's job is answered exactly as
/// an unknown one (never 403), so that no answer tells it exists.
/// Internal to src/http.

#include "http/access.hpp"
#include "model/job.hpp"
#include "model/job_request.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobforge {
class runtime;
}

namespace jobforge::http {

/// The job `id` names when `who` may see it; otherwise the very error the
/// runtime gives for an unknown id (`not_found`). Every by-id route reads
/// its job through here before acting on it.
expected<job> visible_job(runtime& rt, const caller& who, const job_id& id);

/// Sets the tenant of a submission: the caller's own when it names none;
/// another tenant only for admins (`forbidden` otherwise).
expected<void> claim_tenant(const caller& who, job_request& request);

/// The first of `parents` that does not exist for `who` (unknown, or of
/// another tenant), nullopt when all are visible. Errors other than
/// not_found (the store is unavailable) are passed on.
expected<std::optional<job_id>> first_hidden_parent(runtime& rt, const caller& who,
                                                    const std::vector<job_id>& parents);

/// The error a submission naming an unknown parent gets (the scheduler's
/// words), for one that names a parent its caller cannot see.
error unknown_parent(const job_id& parent);

/// The same for adding `parent` to a blocked job (POST .../dependencies).
error not_a_possible_parent(const job_id& parent);

/// Restricts a list to the caller's tenant. A `requested` tenant filter is
/// any tenant for admins, and only the caller's own otherwise (`forbidden`).
expected<void> scope_list(const caller& who, const std::optional<std::string>& requested,
                          job_filter& filter);

}  // namespace jobforge::http

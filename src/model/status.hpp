#pragma once
/// The job status machine of SPEC §3: one transition table, one question
/// ("may X go to Y?") and one check that names both states when it says no.

#include "model/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace jobforge {

/// Where a job is in its life. The first five are non-terminal.
enum class job_status : std::uint8_t {
  scheduled,  ///< waits for run_at
  blocked,    ///< waits for its parents
  pending,    ///< ready, waits for an executor
  running,
  retrying,  ///< waits for its backoff timer
  completed,
  failed,  ///< in the dead-letter queue
  canceled,
};

/// Every status, in declaration order (for table-driven code and tests).
inline constexpr std::array<job_status, 8> all_job_statuses{
    job_status::scheduled, job_status::blocked,   job_status::pending, job_status::running,
    job_status::retrying,  job_status::completed, job_status::failed,  job_status::canceled};

/// The wire name, e.g. "pending".
std::string_view to_string(job_status s);

/// Parses a wire name; nullopt for anything else.
std::optional<job_status> parse_job_status(std::string_view text);

/// True for completed, failed and canceled.
bool is_terminal(job_status s);

/// The statuses a job may start in (after submission).
bool is_initial(job_status s);

/// May a job in status `from` move to `to`? Exactly the table of SPEC §3.
bool may_transition(job_status from, job_status to);

/// Succeeds when the move is allowed; otherwise an `invalid_transition` error
/// whose message and details name both states.
expected<void> check_transition(job_status from, job_status to);

}  // namespace jobforge

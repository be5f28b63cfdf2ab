#pragma once
/// Dependency specs (SPEC §3, §5): which parents a job waits for, whether it
/// needs all of them or any one, and what happens when a parent fails.

#include "model/job_id.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace jobforge {

// One byte each: they are held per waiting job.
enum class dependency_mode : std::uint8_t { all, any };
enum class dependency_failure_policy : std::uint8_t { cancel, run };

std::string_view to_string(dependency_mode m);
std::optional<dependency_mode> parse_dependency_mode(std::string_view text);
std::string_view to_string(dependency_failure_policy p);
std::optional<dependency_failure_policy> parse_dependency_failure_policy(std::string_view text);

/// The longest a dependency timeout may be (a year): beyond it, a job that
/// should wait for ever says so by having none.
inline constexpr std::int64_t max_dependency_timeout_ms = 365LL * 24 * 3600 * 1000;

/// A job's dependencies.
struct dependency_spec {
  std::vector<job_id> depends_on;
  dependency_mode mode = dependency_mode::all;
  dependency_failure_policy on_failure = dependency_failure_policy::cancel;
  /// A job still blocked this long after its submission stops waiting and
  /// is decided by `on_failure`: canceled, or run; 0 = it waits for ever.
  std::int64_t timeout_ms = 0;

  bool empty() const { return depends_on.empty(); }
};

/// How a job's parents stand; failed and canceled parents count as failed.
/// (32-bit counts: one is held per waiting job, and a job's parents are
/// bounded far below that by the request size limits.)
struct parent_tally {
  std::uint32_t total = 0;
  std::uint32_t completed = 0;
  std::uint32_t failed = 0;

  std::uint32_t unfinished() const { return total - completed - failed; }
};

/// What a blocked job should do now.
enum class dependency_verdict { wait, run, cancel };

/// Decides from the parents' outcomes:
/// - `all`: run once every parent completed; on a failed parent, cancel at
///   once (policy `cancel`) or run once every parent has finished (`run`);
/// - `any`: run as soon as one parent completed; if every parent failed,
///   cancel (`cancel`) or run anyway (`run`).
/// A job with no parents runs.
dependency_verdict evaluate_dependencies(const dependency_spec& spec, const parent_tally& tally);

/// What a job still blocked when its dependency timeout passes does: what
/// its `on_failure` says of a parent that failed (`cancel` or `run`).
dependency_verdict on_dependency_timeout(const dependency_spec& spec);

}  // namespace jobforge

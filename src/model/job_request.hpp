#pragma once
/// A submission: what a client asks for. Defaults of the job type fill what
/// it leaves out (see job_factory.hpp).

#include "model/dependency.hpp"
#include "model/priority.hpp"
#include "model/retry_policy.hpp"
#include "model/status.hpp"
#include "model/time.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

/// The optional fields of SPEC §3 a submitter may set.
struct job_request {
  std::string type;
  boost::json::value payload;
  std::optional<jobforge::priority> priority;
  std::optional<int> max_attempts;
  std::optional<std::int64_t> max_retry_ms;  ///< 0 = no limit (within the type's cap)
  retry_overrides retry;
  std::optional<std::int64_t> timeout_ms;
  std::optional<timestamp> run_at;
  std::optional<std::int64_t> run_in_ms;  ///< alternative to run_at, relative to submission
  dependency_spec dependencies;
  std::optional<std::string> unique_key;
  std::optional<std::int64_t> unique_for_ms;
  std::string tenant;
  std::vector<std::string> tags;
  /// POST status changes of this job here (see model/webhook.hpp).
  std::optional<std::string> webhook_url;
  /// The statuses that fire it; empty = completed, failed, canceled.
  std::vector<job_status> webhook_events;
};

}  // namespace jobforge

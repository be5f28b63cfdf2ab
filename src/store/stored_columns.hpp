#pragma once
/// The columns that the SQL stores keep beside a job's document, for their
/// indexes and queries: each store derives them from the job the same way.

#include "model/job.hpp"
#include "model/time.hpp"

#include <cstdint>
#include <optional>

namespace jobforge::stored_columns {

/// A status as its column value: the enum's number, which the schemas'
/// partial indexes and the recovery queries name.
inline std::int64_t status_code(job_status s) {
  return static_cast<std::int64_t>(s);
}

/// Until when (Unix ms) a unique job holds its key, or none: the column
/// the dedup windows are rebuilt from at start-up.
inline std::optional<std::int64_t> unique_until_ms(const job& j) {
  if (!j.unique_key || j.unique_for_ms <= 0) return std::nullopt;
  return to_unix_ms(j.created_at) + j.unique_for_ms;
}

}  // namespace jobforge::stored_columns

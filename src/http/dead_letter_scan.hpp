#pragma once
/// Reading the dead-letter queue a page at a time, bounded: for its summary
/// by type and error code (GET /api/dead-letter/summary) and for acting on
/// one such group (the batch replay and discard with {"group": ...}). The
/// store keeps failed jobs indexed by status, so a scan reads only them;
/// it stops after `limit` jobs and says whether it saw them all.
/// Internal to src/http.

#include "store/store.hpp"

#include <cstddef>
#include <functional>

namespace jobforge {
class runtime;
}

namespace jobforge::http {

/// At most this many failed jobs are read for one summary.
inline constexpr std::size_t max_dead_letters_scanned = 10'000;

/// How far a scan went.
struct dead_letter_scan {
  std::size_t scanned = 0;
  bool complete = true;  ///< false: more failed jobs than `limit` match
};

/// Calls `each` on the failed jobs `filter` matches (its status is set
/// here), newest first, until `limit` were read or `each` answers false.
expected<dead_letter_scan> scan_dead_letters(runtime& rt, job_filter filter, std::size_t limit,
                                             const std::function<bool(const job&)>& each);

}  // namespace jobforge::http

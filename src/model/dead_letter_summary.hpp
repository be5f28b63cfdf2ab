#pragma once
/// The dead-letter queue grouped by job type and error code (GET
/// /api/dead-letter/summary): how many failed jobs each group holds, when
/// its first and last one failed, and the latest message. Fed one failed
/// job at a time, in any order.

#include "model/job.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace jobforge {

/// Failed jobs of one type whose last error had one code.
struct dead_letter_group {
  std::string type;
  std::string code;     ///< "" when the job has no recorded error
  std::string kind;     ///< the latest error's kind ("" without one)
  std::string message;  ///< the latest error's message
  std::size_t count = 0;
  timestamp first_seen{};  ///< when the first of them failed
  timestamp last_seen{};   ///< when the latest failed
};

class dead_letter_summary {
 public:
  /// Counts one failed job (others are ignored).
  void add(const job& j);
  /// The groups, the largest first (ties: the latest failure first).
  std::vector<dead_letter_group> groups() const;
  /// Failed jobs counted.
  std::size_t total() const { return total_; }

 private:
  std::map<std::pair<std::string, std::string>, dead_letter_group> groups_;
  std::size_t total_ = 0;
};

/// The code a failed job is grouped by: its last error's, or "".
std::string dead_letter_code(const job& j);

}  // namespace jobforge

#pragma once
/// The lines each job's handler logged (GET /api/jobs/{id}/logs), kept in
/// memory and bounded three ways: at most `lines_per_job` lines per job (the
/// oldest go first), at most `jobs` jobs, and at most `bytes` of text in
/// all; a job whose last line is the oldest makes room first. Lines a
/// runtime held back (over its per-attempt rate) are counted on the next
/// line kept. Not thread-safe: its owner serialises access.

#include "model/handler.hpp"
#include "model/job_id.hpp"
#include "model/time.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace jobforge {

/// One line a job's handler logged.
struct job_log_line {
  timestamp at{};
  int attempt = 0;
  log_level level = log_level::info;
  std::string text;  ///< empty: only tells of lines held back
  /// Lines of this attempt the runtime did not keep (over its rate) just
  /// before this one.
  std::uint32_t held_back = 0;
};

class job_log_book {
 public:
  struct limits {
    std::size_t lines_per_job = 200;
    std::size_t jobs = 5'000;
    std::size_t bytes = 16 * 1024 * 1024;
  };

  job_log_book() : job_log_book(limits{}) {}
  explicit job_log_book(limits l) : limits_(l) {}

  /// Keeps `line` as the newest of job `id`.
  void add(const job_id& id, job_log_line line);
  /// The job's lines, oldest first (none when it logged nothing or was
  /// evicted); `dropped` says how many older ones were let go.
  struct lines_of {
    std::vector<job_log_line> lines;
    std::uint64_t dropped = 0;
  };
  lines_of get(const job_id& id) const;

  std::size_t jobs() const { return books_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct book {
    std::deque<job_log_line> lines;
    std::uint64_t dropped = 0;
    std::uint64_t touched = 0;  ///< add() count when it last got a line
  };
  void evict_oldest();
  static std::size_t size_of(const job_log_line& l) { return l.text.size() + sizeof(job_log_line); }

  limits limits_;
  std::unordered_map<job_id, book> books_;
  std::map<std::uint64_t, job_id> by_touch_;  ///< least recently written first
  std::uint64_t clock_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace jobforge

#pragma once
/// The job of SPEC §3 with every field, its progress and its history.

#include "model/boxed.hpp"
#include "model/compact_string.hpp"
#include "model/dependency.hpp"
#include "model/job_error.hpp"
#include "model/job_id.hpp"
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

/// What a handler last said about how far it got.
struct job_progress {
  double percent = 0;  ///< 0..100
  std::string stage;
  std::string message;
  timestamp updated_at{};
  std::optional<std::int64_t> eta_ms;  ///< estimated time to completion
};

/// A result kept as a file in the results folder beside the store: a large
/// JSON result, or a file a handler produced. Downloaded by streaming it.
struct result_blob {
  std::string file;  ///< its name inside the results folder
  std::int64_t size = 0;
  std::string sha256;  ///< of the content, lowercase hex
  std::string content_type;

  friend bool operator==(const result_blob& a, const result_blob& b) {
    return a.file == b.file && a.size == b.size && a.sha256 == b.sha256 &&
           a.content_type == b.content_type;
  }
};

/// One line of a job's history: a transition, with the attempt it concerns.
struct history_entry {
  timestamp at{};
  std::optional<job_status> from;  ///< absent for the submission itself
  job_status to = job_status::pending;
  int attempt = 0;
  boxed<job_error> error;
  compact_string node;  ///< where it happened (empty: the local process)
  std::string reason;   ///< free text, e.g. a cancellation reason
};
// Every job holds at least one: a 64-byte allocation (queued-job budget).
static_assert(sizeof(history_entry) <= 64, "history_entry grew past its allocation size class");

/// A job: everything jobforge knows about one unit of work.
struct job {
  job_id id;
  std::string type;
  boost::json::value payload;
  job_status status = job_status::pending;
  jobforge::priority priority = priority::normal;
  /// Lent by the jobs waiting on it (priority inheritance), when above its
  /// own: what it competed at, as last recorded while the scheduler held it.
  /// The API shows it as `effective_priority` (its own when absent).
  std::optional<jobforge::priority> inherited_priority;
  int attempts = 0;
  int max_attempts = 3;
  /// The longest its retries may take, from its first attempt's start (a
  /// replay's start, once replayed); 0 = no limit.
  std::int64_t max_retry_ms = 0;
  retry_settings retry;
  std::int64_t timeout_ms = 30'000;
  std::optional<timestamp> run_at;
  /// When a `retrying` job's backoff ends (absent in every other status).
  std::optional<timestamp> next_attempt_at;
  dependency_spec dependencies;
  boxed<std::string> unique_key;
  std::int64_t unique_for_ms = 0;
  std::string tenant;
  std::vector<std::string> tags;
  boxed<std::string> webhook_url;          ///< status changes are POSTed here
  std::vector<job_status> webhook_events;  ///< which; empty = the terminal ones
  boxed<job_progress> progress;
  boost::json::value result;       ///< null until completed (or a null result)
  boxed<result_blob> result_file;  ///< the result, when kept as a file
  boxed<job_error> last_error;
  boost::json::value checkpoint;  ///< last checkpoint saved by the handler, or null
  std::vector<history_entry> history;
  timestamp created_at{};
  timestamp updated_at{};
  std::optional<timestamp> started_at;
  std::optional<timestamp> finished_at;
  std::optional<timestamp> canceled_at;
  boxed<std::string> cancel_reason;
  boxed<std::string> canceled_by;
};

/// Details of one transition, for the history entry it produces.
struct transition_note {
  boxed<job_error> error;
  std::string node;
  std::string reason;  ///< e.g. why it was canceled
  std::string by;      ///< who asked, for cancellations (canceled_by)
};

/// Moves `j` to `to` at `now` if the status machine allows it: updates the
/// status, the timestamps it implies (started/finished/canceled, updated),
/// the attempt counter (a start of `running` is a new attempt), last_error,
/// and appends a history entry. A replay (failed -> pending) gives the job
/// a fresh budget of attempts, as many as its last round had: the attempts
/// go on being numbered from the last one (an attempt number is never used
/// twice) and `max_attempts` grows by the budget. Nothing changes when the
/// move is refused.
expected<void> transition(job& j, job_status to, timestamp now, const transition_note& note = {});

/// The attempts `j` had made when it was last replayed (0 if never): its
/// current round of attempts is numbered from this one on, so that retry
/// decisions (budget, backoff) see the round, not the job's whole life.
int attempts_before_replay(const job& j);

/// When `j`'s current round of retries began, which max_retry_ms counts
/// from: its last replay, else the start of its first attempt (nullopt
/// before any attempt started).
std::optional<timestamp> retry_window_start(const job& j);

}  // namespace jobforge

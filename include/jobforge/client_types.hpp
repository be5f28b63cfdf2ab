#pragma once
/// The values the jobforge client passes around. JSON (payloads, results)
/// travels as text, so this header needs no JSON library; parse it with the
/// one you use.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace jobforge::client {

/// Why a call failed.
enum class error_kind {
  unreachable,       ///< no answer: connection refused, reset, timed out, TLS failed
  circuit_open,      ///< refused without trying: the circuit breaker is open
  server_error,      ///< the server answered 5xx
  rejected,          ///< the server answered 4xx (bad input, unknown job, conflict...)
  bad_response,      ///< the answer was not what the API promises
  timeout,           ///< a wait ran out; the job goes on
  job_failed,        ///< execute_sync: the job failed
  job_canceled,      ///< execute_sync: the job was canceled
  invalid_argument,  ///< refused by the client before anything was sent
};

/// "unreachable", "circuit_open", ...
std::string to_string(error_kind k);

/// A failed call: what happened, and what the server said if it answered.
struct error {
  error_kind kind = error_kind::unreachable;
  std::string message;       ///< one line for a person
  int http_status = 0;       ///< 0 when there was no answer
  std::string code;          ///< the server's error code (`not_found`, ...), if any
  std::string details_json;  ///< the server's `details` as JSON text, if any
  std::string url;           ///< the server the last attempt went to
  std::string job_id;        ///< for timeout, job_failed, job_canceled
  std::string job_status;    ///< for timeout: the job's status when the wait ended
  bool not_sent = false;     ///< the request never reached the server (refused, breaker open)
};

/// A value or an error (C++17 has no std::expected).
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}                      // NOLINT: implicit, like expected
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const error& error_value() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

/// A job's last error (`last_error` in docs/jobs.md).
struct job_error {
  std::string code;
  std::string message;
  std::string kind;  ///< transient, permanent, timeout, crash
};

/// A job as the server renders it; the fields most callers need, and the
/// whole object as JSON text for the rest.
struct job {
  std::string id;
  std::string type;
  std::string
      status;  ///< scheduled, blocked, pending, running, retrying, completed, failed, canceled
  std::string priority;
  std::string effective_priority;  ///< its own, or one lent by jobs waiting on it
  int attempts = 0;
  int max_attempts = 0;
  std::int64_t max_retry_ms = 0;  ///< total retry time from the first attempt; 0 = no limit
  std::string tenant;
  std::vector<std::string> tags;
  std::string payload_json;  ///< JSON text
  std::string result_json;   ///< JSON text; "null" until completed
  std::optional<job_error> last_error;
  std::optional<std::string> unique_key;
  std::optional<std::string> cancel_reason;
  std::string created_at;  ///< RFC 3339
  std::string updated_at;
  std::optional<std::string> finished_at;
  std::string json;  ///< the whole job as the server sent it

  /// completed, failed or canceled.
  bool finished() const {
    return status == "completed" || status == "failed" || status == "canceled";
  }
};

/// What to submit: a type and a JSON payload, and the optional fields of
/// a job (docs/jobs.md).
struct submit_request {
  submit_request() = default;
  /// A job of `type` with `payload_json` (JSON text).
  submit_request(std::string job_type, std::string payload = "{}")  // NOLINT: {"echo", "{}"}
      : type(std::move(job_type)), payload_json(std::move(payload)) {}

  std::string type;
  std::string payload_json = "{}";
  std::optional<std::string> priority;         ///< low, normal, high, critical
  std::vector<std::string> depends_on;         ///< job ids (in a batch also earlier entries' names)
  std::optional<std::string> dependency_mode;  ///< all (default) or any
  std::optional<std::string> on_dependency_failure;  ///< cancel (default) or run
  /// Still blocked this long after submission: decided by on_dependency_failure.
  std::optional<std::int64_t> dependency_timeout_ms;
  std::optional<std::string> run_at;  ///< RFC 3339
  std::optional<std::int64_t> run_in_ms;
  std::vector<std::string> tags;
  std::optional<int> max_attempts;
  /// The longest its retries may take in all (0: no limit), within the type's cap.
  std::optional<std::int64_t> max_retry_ms;
  std::optional<std::int64_t> timeout_ms;
  /// Makes the submission idempotent: the server answers a repeat inside
  /// the window with the first job. Only a submission with a key is retried
  /// by the client (a retry can then never make a second job).
  std::optional<std::string> unique_key;
  /// The dedup window; with a key and none, client options' unique_for.
  std::optional<std::int64_t> unique_for_ms;
};

/// A submission's answer: the job, and whether it is new (false: the
/// server deduplicated it onto an existing job by its unique key).
struct submitted {
  jobforge::client::job job;
  bool created = true;
};

/// One entry of submit_batch: `name` lets later entries depend on it.
struct batch_entry {
  std::string name;
  submit_request request;
};

/// A periodic schedule as the server renders it (docs/schedules.md).
struct schedule {
  std::string name;
  std::string cron;
  std::string zone;
  std::string on_missed;  ///< skip or catch_up
  std::string origin;     ///< config or api
  std::string tenant;
  std::string job_type;
  bool paused = false;
  std::optional<std::string> next_fire_at;  ///< RFC 3339; none while paused
  std::optional<std::string> last_tick;
  std::optional<std::string> last_fired_at;
  std::optional<std::string> last_job;
  std::uint64_t fires = 0;
  std::uint64_t skipped = 0;
  std::uint64_t failures = 0;
  std::optional<std::string> last_error;
  std::string created_by;
  std::string json;  ///< the whole schedule as the server sent it
};

/// A new schedule: its name, cron expression, IANA zone, what to do with
/// missed ticks, and the job each tick submits.
struct schedule_request {
  std::string name;
  std::string cron;
  std::string zone = "UTC";
  std::string on_missed = "skip";  ///< or catch_up
  int catch_up_cap = 10;
  bool paused = false;
  submit_request job;
};

/// Filters and paging of list().
struct list_query {
  std::optional<std::string> status;  ///< comma-separated statuses
  std::optional<std::string> type;
  std::optional<std::string> priority;
  std::optional<std::string> tag;
  std::size_t limit = 20;  ///< 1..1000
  std::optional<std::string> cursor;
  bool oldest_first = false;
};

/// One page of list().
struct job_page {
  std::vector<job> items;
  std::optional<std::string> next_cursor;  ///< absent on the last page
};

/// How to cancel.
struct cancel_request {
  std::string reason;
  std::string mode = "graceful";  ///< graceful or forced
};

/// One Server-Sent Event as the server sent it.
struct event {
  std::string name;  ///< status, progress, log, ...
  std::string data;  ///< JSON text
  std::optional<std::uint64_t> id;
};

/// execute_sync's answer.
struct sync_result {
  std::string result_json;
  std::string job_id;        ///< the server's job id, or the local runtime's
  bool ran_locally = false;  ///< true: the fallback ran it in this process
};

}  // namespace jobforge::client

#pragma once
/// jobforge::client: a program in another process talks to a jobforge
/// server over HTTP(S). Thread-safe; one instance per server is plenty.
///
///   jobforge::client::options o;
///   o.url = "https://jobs.example:8080";
///   o.api_key = "...";
///   o.ca_cert = "/etc/ssl/our-ca.pem";
///   jobforge::client::client jf(o);
///   auto s = jf.submit({"echo", R"({"hi": 1})"});
///   auto done = jf.wait(s->job.id, std::chrono::seconds{30});
///
/// Every call has a time limit, reuses pooled keep-alive connections,
/// retries only what cannot make a second job (reads, cancels, submissions
/// with a unique_key), follows a standby coordinator to the leader, and goes
/// through a circuit breaker that fails fast while the server is down.
/// No CAF, httplib or Boost.JSON in this header.

#include "jobforge/circuit_breaker.hpp"
#include "jobforge/client_types.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace jobforge::client {

using std::chrono::milliseconds;

/// Runs a job in this process while the server cannot be reached (see
/// jobforge/client_fallback.hpp for one over an embedded jobforge runtime).
class local_runner {
 public:
  virtual ~local_runner() = default;
  /// Runs `request` to its end or `timeout`: the result, or job_failed,
  /// job_canceled, timeout, rejected (bad input) as for execute_sync.
  virtual result<sync_result> run(const submit_request& request, milliseconds timeout) = 0;
};

/// How the client connects, retries and gives up.
struct options {
  std::string url = "http://127.0.0.1:8080";  ///< http:// or https://
  std::string api_key;                        ///< sent as `Authorization: Bearer`
  std::string ca_cert;  ///< PEM file of the CA of an https server (else the system's CAs)

  milliseconds connect_timeout{2'000};
  milliseconds read_timeout{30'000};  ///< per request (a wait adds its own time)
  milliseconds write_timeout{10'000};
  std::size_t pool_size = 4;  ///< idle keep-alive connections kept

  /// Attempts of a retryable call (reads, cancel, a submission with a
  /// unique_key) that failed unreachable or with 502/503/504; 1: no retries.
  int max_attempts = 3;
  milliseconds initial_backoff{100};
  milliseconds max_backoff{2'000};
  double jitter = 0.5;  ///< 0..1: each pause is randomly up to this share shorter

  breaker_settings breaker;

  /// The dedup window sent with a unique_key that names none.
  milliseconds unique_for{3'600'000};

  /// A standby's 503 naming the leader sends the call there (once per
  /// attempt; never from https to plain http).
  bool follow_leader = true;

  /// The event stream behind on_done() reconnects after this long without
  /// a byte (the server sends a keep-alive comment every 15 s by default).
  milliseconds event_stream_idle{45'000};

  /// Told about things worth a line in a log (following a leader), if set.
  std::function<void(const std::string&)> on_notice;

  /// Off unless set: execute_sync runs the job here while the breaker is
  /// open, or when the server refused the connection.
  std::shared_ptr<local_runner> fallback;
};

/// The client. Calls block; on_done callbacks run on the client's thread.
class client {
 public:
  /// Throws std::invalid_argument for a url that is not http(s)://host[:port]
  /// or a ca_cert file that cannot be read.
  explicit client(options o);
  ~client();  ///< stops the event stream; pending on_done callbacks are dropped
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Submits one job (201, or 200 deduplicated by its unique_key).
  result<submitted> submit(const submit_request& request);
  /// Submits many at once, all or none; retried only when every entry has
  /// a unique_key.
  result<std::vector<submitted>> submit_batch(const std::vector<batch_entry>& entries);
  result<job> get(const std::string& id);
  result<job_page> list(const list_query& query = {});
  /// Cancels a job and answers it canceled.
  result<job> cancel(const std::string& id, const cancel_request& how = {});
  /// Gives a job that has not started (scheduled, blocked or pending) a new
  /// priority (low, normal, high, critical); needs an operator's key. A
  /// started or finished job is error `conflict`.
  result<job> change_priority(const std::string& id, const std::string& priority);
  /// Waits until the job is completed, failed or canceled (each a value),
  /// or `timeout` (error timeout, with the job's status then). `on_event`
  /// sees the job's events meanwhile (progress, status).
  result<job> wait(const std::string& id, milliseconds timeout,
                   const std::function<void(const event&)>& on_event = {});
  /// Submits and waits for the result, for callers that want it at once:
  /// the JSON result, or job_failed / job_canceled / timeout. With a
  /// fallback, run locally while the breaker is open or the connection is
  /// refused (then nothing reached the server, so the job runs once).
  result<sync_result> execute_sync(const submit_request& request, milliseconds timeout);

  /// Periodic schedules (docs/schedules.md), the caller's tenant's: every
  /// one, one by name, a new one (stored before the answer), deletion
  /// (an API schedule's; true when done), pause or resume, and one job now.
  /// Reads, pauses and resumes are retried; creation, deletion and
  /// triggers are not.
  result<std::vector<schedule>> schedules();
  result<schedule> get_schedule(const std::string& name);
  result<schedule> create_schedule(const schedule_request& request);
  result<bool> delete_schedule(const std::string& name);
  result<schedule> pause_schedule(const std::string& name, bool paused = true);
  result<job> trigger_schedule(const std::string& name);

  /// Calls `fn` once with the finished job when `id` completes, fails or
  /// is canceled (at once if it already has), on the client's own thread.
  /// All of them are fed by one shared event stream (`GET /api/events`),
  /// reconnecting with Last-Event-ID; after each (re)connection the jobs
  /// still awaited are read once, so no ending is missed.
  void on_done(const std::string& id, std::function<void(const job&)> fn);
  /// on_done callbacks not called yet.
  std::size_t awaiting() const;

  breaker_snapshot breaker() const;
  /// The server calls go to now: the configured one, or the leader it named.
  std::string current_url() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge::client

#pragma once
/// The handler interface of SPEC §4. A handler is a C++ callable that gets a
/// context and the payload and returns a result or an error. It sees no
/// actor, thread or store: only this header.

#include "model/job_error.hpp"
#include "model/job_id.hpp"
#include "model/stop_token.hpp"
#include "model/time.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jobforge {

enum class log_level { debug, info, warn, error };
std::string_view to_string(log_level l);

/// A logger bound to one job (and attempt) by the runtime.
class job_logger {
 public:
  virtual ~job_logger() = default;
  virtual void log(log_level level, std::string_view message) = 0;
  void debug(std::string_view m) { log(log_level::debug, m); }
  void info(std::string_view m) { log(log_level::info, m); }
  void warn(std::string_view m) { log(log_level::warn, m); }
  void error(std::string_view m) { log(log_level::error, m); }
};

/// What a running handler may ask of, and tell to, the runtime.
class handler_context {
 public:
  virtual ~handler_context() = default;

  virtual const job_id& job() const = 0;
  virtual int attempt() const = 0;         ///< 1 for the first attempt
  virtual timestamp deadline() const = 0;  ///< when this attempt times out
  /// Turns true on cancellation, timeout or shutdown.
  virtual const stop_token& stop() const = 0;
  /// Reports progress; the runtime throttles what it forwards.
  virtual void report_progress(double percent, std::string_view stage = {},
                               std::string_view message = {}) = 0;
  virtual job_logger& logger() = 0;
  /// Keeps a checkpoint with the job, handed to later attempts and replays.
  virtual void save_checkpoint(boost::json::value checkpoint) = 0;
  /// The last checkpoint saved by this or an earlier attempt, or null.
  virtual const boost::json::value* checkpoint() const = 0;
  /// Waits `d`, waking early when a stop is requested; true if the full time
  /// elapsed. Test contexts override it to simulate time.
  virtual bool sleep_for(milliseconds d) { return !stop().wait_for(d); }
};

/// The closed set of handler outcomes: a JSON result or a classified error.
/// A file a handler produced as its result: the runtime moves it into the
/// results folder (with its checksum) and the job's result becomes that file.
struct result_file_spec {
  std::string path;  ///< where the handler wrote it
  std::string content_type = "application/octet-stream";
};

class handler_result {
 public:
  static handler_result ok(boost::json::value result = nullptr);
  /// Succeeds with the file at `path` as the result, and `summary` as the
  /// job's JSON result beside it.
  static handler_result ok_file(std::string path, std::string content_type,
                                boost::json::value summary = nullptr);
  static handler_result transient(std::string code, std::string message);
  /// A transient error whose next attempt is to wait `retry_after` instead
  /// of the job's backoff (an HTTP 429's `Retry-After`, say).
  static handler_result transient_after(std::string code, std::string message,
                                        milliseconds retry_after);
  static handler_result permanent(std::string code, std::string message);
  static handler_result failure(job_error e);

  bool succeeded() const { return succeeded_; }
  const boost::json::value& value() const { return value_; }
  boost::json::value& value() { return value_; }
  const job_error& error() const { return error_; }
  const std::optional<result_file_spec>& file() const { return file_; }

 private:
  bool succeeded_ = true;
  boost::json::value value_;
  std::optional<result_file_spec> file_;
  job_error error_;
};

/// Thrown by a handler to fail the attempt with a transient (retryable) error.
class transient_error : public std::runtime_error {
 public:
  transient_error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

/// Thrown by a handler to fail the job for good (no retry).
class permanent_error : public std::runtime_error {
 public:
  permanent_error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

/// A job type's handler.
using handler_fn = std::function<handler_result(handler_context&, const boost::json::value&)>;

/// Runs `h` and never throws: transient_error/permanent_error become those
/// errors; any other exception becomes kind `crash` (code "crash") with its
/// message; an empty handler is a crash too. A result holding a number that
/// is not finite fails the attempt (see unrepresentable_json).
handler_result invoke_handler(const handler_fn& h, handler_context& ctx,
                              const boost::json::value& payload) noexcept;

/// The error that fails an attempt whose handler handed over `v` as `what`
/// ("result", "checkpoint") while it holds a number that is not finite,
/// which no JSON document can carry: kind `permanent` (the same code would
/// most likely produce it again), code "invalid_result" or
/// "invalid_checkpoint", the path in the message. nullopt when `v` is fine.
std::optional<job_error> unrepresentable_json(std::string_view what, const boost::json::value& v);

}  // namespace jobforge

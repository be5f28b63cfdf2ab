#pragma once
/// The first half of jobforge's test kit for users: run a handler with a
/// realistic context and no actor system. Time is simulated: `sleep_for`
/// advances a virtual clock instantly, and a stop can be scheduled at a
/// simulated instant, so cancellation and timeouts test without waiting.

#include "model/handler.hpp"
#include "model/job_type.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jobforge::testing {

/// A progress report as the handler made it.
struct progress_report {
  double percent = 0;
  std::string stage;
  std::string message;
  milliseconds at{0};  ///< simulated time since the attempt started
};

/// A handler_context that records everything and simulates time.
class test_context final : public handler_context {
 public:
  /// An attempt starting at simulated time 0 with deadline `timeout` later.
  explicit test_context(int attempt = 1, milliseconds timeout = milliseconds{30'000},
                        job_id id = job_id::generate(*make_seeded_random(1)));

  const job_id& job() const override { return id_; }
  int attempt() const override { return attempt_; }
  timestamp deadline() const override { return timestamp{} + timeout_; }
  const stop_token& stop() const override { return token_; }
  void report_progress(double percent, std::string_view stage, std::string_view message) override;
  job_logger& logger() override { return logger_; }
  void save_checkpoint(boost::json::value checkpoint) override;
  const boost::json::value* checkpoint() const override;
  /// Advances simulated time by `d`, or up to a scheduled stop (then false).
  bool sleep_for(milliseconds d) override;

  /// Requests a stop now.
  void request_stop(stop_reason reason = stop_reason::canceled) { source_.request_stop(reason); }
  /// Requests a stop once simulated time reaches `at`.
  void stop_at(milliseconds at, stop_reason reason = stop_reason::canceled);
  /// Starts with a checkpoint, as a later attempt would.
  void set_checkpoint(boost::json::value checkpoint) { checkpoint_ = std::move(checkpoint); }

  milliseconds elapsed() const { return now_; }
  const std::vector<progress_report>& progress() const { return progress_; }
  const std::vector<std::pair<log_level, std::string>>& logs() const { return logger_.lines; }
  const std::vector<boost::json::value>& checkpoints() const { return checkpoints_; }
  /// The first checkpoint refused because JSON cannot hold it (a number
  /// that is not finite): the runtime keeps the earlier one and fails the
  /// attempt with this error (`invalid_checkpoint`), as here.
  const std::optional<job_error>& refused_checkpoint() const { return refused_checkpoint_; }

 private:
  struct recording_logger final : job_logger {
    void log(log_level level, std::string_view message) override {
      lines.emplace_back(level, std::string(message));
    }
    std::vector<std::pair<log_level, std::string>> lines;
  };

  job_id id_;
  int attempt_;
  milliseconds timeout_;
  milliseconds now_{0};
  stop_source source_;
  stop_token token_ = source_.token();
  std::optional<std::pair<milliseconds, stop_reason>> scheduled_stop_;
  recording_logger logger_;
  std::vector<progress_report> progress_;
  boost::json::value checkpoint_;
  std::vector<boost::json::value> checkpoints_;
  std::optional<job_error> refused_checkpoint_;
};

/// Runs `type`'s handler once on `payload` (which must match the type's
/// schema, else a permanent "invalid_payload" error), never throwing.
handler_result run_handler_once(const job_type& type, const boost::json::value& payload,
                                test_context& ctx);

}  // namespace jobforge::testing

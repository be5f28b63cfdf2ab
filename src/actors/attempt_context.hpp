#pragma once
/// The handler_context of one attempt as executors provide it. In real time
/// it forwards throttled progress to the supervisor as it happens; in
/// simulated time `sleep_for` advances a virtual offset (stopping at the
/// attempt's deadline, as a timeout would) and reports are collected with
/// their offsets, for the executor to deliver as delayed messages.
///
/// A handler's log lines go to this process's log, and to the supervisor,
/// for the job's log book (and, from a worker node, the coordinator's log):
/// at most `attempt_log_burst` at once, then `attempt_log_lines_per_second`,
/// so a chatty handler cannot flood the link or the book.

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"
#include "actors/runtime_env.hpp"
#include "model/handler.hpp"
#include "model/token_bucket.hpp"

#include <caf/actor.hpp>

#include <mutex>
#include <vector>

namespace jobforge {

/// What an attempt needs of the runtime's configuration: a copy, so that a
/// handler thread that outlives its runtime holds nothing of it.
struct attempt_settings {
  execution_mode mode = execution_mode::threads;
  milliseconds progress_interval{100};
  result_file_settings results;
};

class attempt_context final : public handler_context {
 public:
  attempt_context(const attempt_order& order, stop_source source, attempt_settings settings);

  const job_id& job() const override { return order_.id; }
  int attempt() const override { return order_.attempt; }
  timestamp deadline() const override { return order_.deadline; }
  const stop_token& stop() const override { return token_; }
  void report_progress(double percent, std::string_view stage, std::string_view message) override;
  job_logger& logger() override { return *logger_; }
  /// What the logger does with one line (thread-safe).
  void log_line(log_level level, std::string_view message);
  void save_checkpoint(boost::json::value checkpoint) override;
  const boost::json::value* checkpoint() const override;
  bool sleep_for(milliseconds d) override;

  /// Fills the outcome's progress, checkpoint and stop fields, and fails it
  /// when the handler tried to save a checkpoint no JSON can carry. Tells
  /// the supervisor of log lines still held back.
  void finish(attempt_outcome& outcome);

  /// Simulated mode: reports made, each with its offset from the start.
  const std::vector<std::pair<milliseconds, progress_report>>& simulated_reports() const {
    return simulated_reports_;
  }
  /// Simulated mode: log lines forwarded, each with its offset.
  const std::vector<std::pair<milliseconds, attempt_log>>& simulated_logs() const {
    return simulated_logs_;
  }
  /// Simulated mode: time the handler spent (its sleeps).
  milliseconds simulated_elapsed() const { return elapsed_; }

 private:
  timestamp now() const;
  void forward(progress_report report);
  void forward(attempt_log line);

  const attempt_order& order_;
  stop_source source_;
  stop_token token_;
  attempt_settings settings_;
  bool simulated_;
  std::unique_ptr<job_logger> logger_;
  std::optional<job_progress> last_progress_;
  boost::json::value checkpoint_;
  bool checkpoint_saved_ = false;
  bool unsent_checkpoint_ = false;
  std::optional<job_error> refused_checkpoint_;  ///< the first one refused
  std::optional<timestamp> last_forwarded_;
  milliseconds elapsed_{0};
  std::vector<std::pair<milliseconds, progress_report>> simulated_reports_;

  bool remote_;  ///< on a worker node (only lines it logs itself are forwarded)
  std::mutex log_mutex_;
  token_bucket log_budget_;
  std::uint32_t held_back_ = 0;
  std::vector<std::pair<milliseconds, attempt_log>> simulated_logs_;
};

}  // namespace jobforge

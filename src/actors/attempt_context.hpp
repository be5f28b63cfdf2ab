#pragma once
/// The handler_context of one attempt as executors provide it. In real time
/// it forwards throttled progress to the supervisor as it happens; in
/// simulated time `sleep_for` advances a virtual offset (stopping at the
/// attempt's deadline, as a timeout would) and reports are collected with
/// their offsets, for the executor to deliver as delayed messages.

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"
#include "actors/runtime_env.hpp"
#include "model/handler.hpp"

#include <caf/actor.hpp>

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
  void save_checkpoint(boost::json::value checkpoint) override;
  const boost::json::value* checkpoint() const override;
  bool sleep_for(milliseconds d) override;

  /// Fills the outcome's progress, checkpoint and stop fields, and fails it
  /// when the handler tried to save a checkpoint no JSON can carry.
  void finish(attempt_outcome& outcome) const;

  /// Simulated mode: reports made, each with its offset from the start.
  const std::vector<std::pair<milliseconds, progress_report>>& simulated_reports() const {
    return simulated_reports_;
  }
  /// Simulated mode: time the handler spent (its sleeps).
  milliseconds simulated_elapsed() const { return elapsed_; }

 private:
  timestamp now() const;
  void forward(progress_report report);

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
};

}  // namespace jobforge

#include "actors/attempt_context.hpp"

#include "actors/spdlog_level.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>
#include <cmath>

namespace jobforge {
namespace {

class context_logger final : public job_logger {
 public:
  explicit context_logger(attempt_context& ctx) : ctx_(ctx) {}
  void log(log_level level, std::string_view message) override { ctx_.log_line(level, message); }

 private:
  attempt_context& ctx_;
};

// Cut at a UTF-8 character boundary, so that the line stays valid text.
std::string cut_line(std::string_view text) {
  if (text.size() <= attempt_log_max_bytes) return std::string(text);
  std::size_t end = attempt_log_max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + " [cut]";
}

}  // namespace

attempt_context::attempt_context(const attempt_order& order, stop_source source,
                                 attempt_settings settings)
    : order_(order),
      source_(std::move(source)),
      token_(source_.token()),
      settings_(settings),
      simulated_(settings.mode == execution_mode::simulated),
      logger_(std::make_unique<context_logger>(*this)),
      checkpoint_(order.checkpoint),
      remote_(order.lease.session != 0),
      log_budget_(attempt_log_lines_per_second, attempt_log_burst, now()) {}

void attempt_context::log_line(log_level level, std::string_view message) {
  // Log lines carry the job id and attempt so they can be traced per job.
  const auto lvl = spdlog_level(level);
  spdlog::log(lvl, "job={} type={} attempt={} {}", to_string(order_.id), order_.type,
              order_.attempt, message);
  // Every line also goes to the job's log book through its supervisor,
  // within the attempt's budget; a line this node would not log itself is
  // not worth the link.
  if (remote_ && !spdlog::should_log(lvl)) return;
  std::lock_guard<std::mutex> guard(log_mutex_);
  if (!log_budget_.try_take(now())) {
    ++held_back_;
    return;
  }
  forward(attempt_log{order_.attempt, order_.lease, level, cut_line(message), held_back_});
  held_back_ = 0;
}

void attempt_context::forward(attempt_log line) {
  if (simulated_) {
    simulated_logs_.emplace_back(elapsed_, std::move(line));
    return;
  }
  caf::anon_send(order_.supervisor, log_atom::value, std::move(line));
}

timestamp attempt_context::now() const {
  if (simulated_) return order_.started_at + elapsed_;
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

void attempt_context::report_progress(double percent, std::string_view stage,
                                      std::string_view message) {
  job_progress p;
  p.percent = std::isfinite(percent) ? std::clamp(percent, 0.0, 100.0) : 0.0;
  p.stage = std::string(stage);
  p.message = std::string(message);
  p.updated_at = now();
  last_progress_ = p;
  // Throttled: a handler reporting in a tight loop sends one report per interval.
  if (last_forwarded_ && p.updated_at - *last_forwarded_ < settings_.progress_interval) return;
  last_forwarded_ = p.updated_at;
  progress_report report{order_.attempt, order_.lease, std::move(p), nullptr, false};
  if (unsent_checkpoint_) {
    report.checkpoint = checkpoint_;
    report.checkpoint_saved = true;
    unsent_checkpoint_ = false;
  }
  forward(std::move(report));
}

void attempt_context::forward(progress_report report) {
  if (simulated_) {
    simulated_reports_.emplace_back(elapsed_, std::move(report));
    return;
  }
  caf::anon_send(order_.supervisor, progress_atom::value, std::move(report));
}

void attempt_context::save_checkpoint(boost::json::value checkpoint) {
  // Kept, it would go into the job's document, which could then no longer
  // be written: refused here, it fails the attempt instead (see finish).
  if (auto refused = unrepresentable_json("checkpoint", checkpoint)) {
    if (!refused_checkpoint_) refused_checkpoint_ = std::move(refused);
    return;
  }
  checkpoint_ = std::move(checkpoint);
  checkpoint_saved_ = true;
  unsent_checkpoint_ = true;
}

const boost::json::value* attempt_context::checkpoint() const {
  return checkpoint_.is_null() ? nullptr : &checkpoint_;
}

bool attempt_context::sleep_for(milliseconds d) {
  if (!simulated_) return handler_context::sleep_for(d);
  if (token_.stop_requested()) {
    // A handler that sleeps on after its stop ignores it: its time still
    // passes, which is how abandonment after the grace period is simulated.
    elapsed_ += d;
    return false;
  }
  // The only stop a simulated handler can see coming is its own deadline.
  const auto deadline_offset =
      std::chrono::duration_cast<milliseconds>(order_.deadline - order_.started_at);
  if (elapsed_ + d >= deadline_offset) {
    elapsed_ = std::max(elapsed_, deadline_offset);
    source_.request_stop(stop_reason::timeout);
    return false;
  }
  elapsed_ += d;
  return true;
}

void attempt_context::finish(attempt_outcome& outcome) {
  {
    std::lock_guard<std::mutex> guard(log_mutex_);
    if (held_back_ > 0)
      forward(attempt_log{order_.attempt, order_.lease, log_level::warn, {}, held_back_});
    held_back_ = 0;
  }
  outcome.progress = last_progress_;
  outcome.checkpoint = checkpoint_;
  outcome.checkpoint_saved = checkpoint_saved_;
  outcome.stopped = token_.reason();
  if (refused_checkpoint_ && outcome.result.succeeded())
    outcome.result = handler_result::failure(*refused_checkpoint_);
}

}  // namespace jobforge

#include "model/stats_series.hpp"

#include <algorithm>

namespace jobforge {
namespace {

std::int64_t second_of(timestamp t) {
  return to_unix_ms(t) / 1000;
}

}  // namespace

stats_series::window_slot& stats_series::window_at(std::int64_t period) {
  auto& slot = windows_[static_cast<std::size_t>(period % windows_kept)];
  if (slot.period != period) slot = window_slot{period, {}, {}};
  return slot;
}

void stats_series::record(std::string_view type, std::optional<job_status> from, job_status to,
                          milliseconds in_previous, timestamp at, const job_error* error) {
  const std::int64_t second = second_of(at);
  if (second < 0) return;
  if (to == job_status::completed) completed_.add(second);
  if (to == job_status::failed) failed_.add(second);
  const bool waited = to == job_status::running && from == job_status::pending;
  const bool ran = from == job_status::running;
  const std::int64_t period = second / window_seconds;
  if ((waited || ran) && period > newest_window_ - windows_kept) {
    newest_window_ = std::max(newest_window_, period);
    auto& slot = window_at(period);
    if (waited) slot.wait.add(in_previous);
    if (ran) slot.run.add(in_previous);
  }
  if (error && (to == job_status::retrying || to == job_status::failed)) {
    auto key = std::make_pair(std::string(type), error->code);
    auto it = errors_.find(key);
    if (it == errors_.end()) {
      if (errors_.size() >= error_groups_kept) {
        auto oldest = std::min_element(errors_.begin(), errors_.end(), [](auto& a, auto& b) {
          return a.second.last_at < b.second.last_at;
        });
        errors_.erase(oldest);
      }
      it = errors_.emplace(std::move(key), error_tally{}).first;
    }
    it->second.per_window.add(period);
    if (at >= it->second.last_at) {
      it->second.last_at = at;
      it->second.message = error->message;
    }
  }
}

stats_series::per_second stats_series::counts(timestamp now, std::int64_t seconds) const {
  seconds = std::clamp<std::int64_t>(seconds, 1, seconds_kept);
  per_second out;
  const std::int64_t last = second_of(now);
  out.from = last - seconds + 1;
  out.completed.reserve(static_cast<std::size_t>(seconds));
  out.failed.reserve(static_cast<std::size_t>(seconds));
  for (std::int64_t s = out.from; s <= last; ++s) {
    out.completed.push_back(completed_.at(s));
    out.failed.push_back(failed_.at(s));
  }
  return out;
}

std::vector<stats_series::latency> stats_series::windows(timestamp now,
                                                         std::int64_t seconds) const {
  seconds = std::clamp<std::int64_t>(seconds, 1, seconds_kept);
  const std::int64_t last = second_of(now) / window_seconds;
  const std::int64_t first = (second_of(now) - seconds + 1) / window_seconds;
  std::vector<latency> out;
  for (std::int64_t p = std::max(first, last - windows_kept + 1); p <= last; ++p) {
    latency w;
    w.from = p * window_seconds;
    const auto& slot = windows_[static_cast<std::size_t>(p % windows_kept)];
    if (slot.period == p) {
      w.wait = slot.wait;
      w.run = slot.run;
    }
    out.push_back(std::move(w));
  }
  return out;
}

stats_series::latency stats_series::merged(timestamp now, std::int64_t seconds) const {
  latency out;
  bool first = true;
  for (const auto& w : windows(now, seconds)) {
    if (first) out.from = w.from;
    first = false;
    out.wait.merge(w.wait);
    out.run.merge(w.run);
  }
  return out;
}

std::vector<stats_series::error_group> stats_series::top_errors(timestamp now, std::int64_t seconds,
                                                                std::size_t limit) const {
  seconds = std::clamp<std::int64_t>(seconds, 1, seconds_kept);
  const std::int64_t last = second_of(now) / window_seconds;
  const std::int64_t first = (second_of(now) - seconds + 1) / window_seconds;
  std::vector<error_group> out;
  for (const auto& [key, tally] : errors_) {
    const auto n = tally.per_window.sum(first, last);
    if (n == 0) continue;
    out.push_back(error_group{key.first, key.second, tally.message, n, tally.last_at});
  }
  std::sort(out.begin(), out.end(), [](const error_group& a, const error_group& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.last_at > b.last_at;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace jobforge

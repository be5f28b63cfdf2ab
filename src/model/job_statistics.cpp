#include "model/job_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace jobforge {
namespace {

// Bucket k holds durations up to 2^(k/4) ms: 1 ms .. about 3.4e9 h.
std::size_t bucket_of(double ms) {
  if (ms <= 1) return 0;
  return static_cast<std::size_t>(std::ceil(4 * std::log2(ms)));
}

double upper_bound_of(std::size_t bucket) {
  return std::exp2(static_cast<double>(bucket) / 4);
}

constexpr std::int64_t remembered_seconds = 600;

}  // namespace

void duration_histogram::add(milliseconds d) {
  const double ms = static_cast<double>(std::max<std::int64_t>(d.count(), 0));
  ++counts_[std::min(bucket_of(ms), buckets - 1)];
  ++count_;
  sum_ms_ += ms;
}

double duration_histogram::average_ms() const {
  return count_ == 0 ? 0 : sum_ms_ / static_cast<double>(count_);
}

double duration_histogram::quantile_ms(double q) const {
  if (count_ == 0) return 0;
  const auto rank =
      static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < buckets; ++k) {
    seen += counts_[k];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return k == 0 ? 1 : upper_bound_of(k);
  }
  return upper_bound_of(buckets - 1);
}

void duration_histogram::merge(const duration_histogram& other) {
  for (std::size_t k = 0; k < buckets; ++k)
    counts_[k] += other.counts_[k];
  count_ += other.count_;
  sum_ms_ += other.sum_ms_;
}

double type_statistics::completed_per_second(timestamp now) const {
  const std::int64_t newest = to_unix_ms(now) / 1000;
  return static_cast<double>(completions.sum(newest - 59, newest)) / 60;
}

double type_statistics::failure_rate() const {
  const auto finished = completed + failed;
  return finished == 0 ? 0 : static_cast<double>(failed) / static_cast<double>(finished);
}

void job_statistics::record(std::string_view type, std::optional<job_status> from, job_status to,
                            milliseconds in_previous, timestamp at) {
  auto it = types_.find(type);
  if (it == types_.end()) it = types_.emplace(std::string(type), type_statistics{}).first;
  type_statistics& s = it->second;
  if (!from) ++s.submitted;
  if (from == job_status::running) s.run_time.add(in_previous);
  if (to == job_status::running) {
    ++s.started;
    if (from == job_status::pending) s.wait_time.add(in_previous);
  }
  switch (to) {
    case job_status::completed: {
      ++s.completed;
      const std::int64_t second = to_unix_ms(at) / 1000;
      s.completions.add(second);
      if (!completions_.empty() && completions_.back().first == second)
        ++completions_.back().second;
      else if (completions_.empty() || completions_.back().first < second)
        completions_.emplace_back(second, 1);
      else  // a change from a moment ago, reported late: count it where it belongs
        for (auto& [s2, n] : completions_)
          if (s2 == second) ++n;
      while (!completions_.empty() && completions_.front().first <= second - remembered_seconds)
        completions_.pop_front();
      break;
    }
    case job_status::failed:
      ++s.failed;
      break;
    case job_status::retrying:
      ++s.retried;
      break;
    case job_status::canceled:
      ++s.canceled;
      break;
    default:
      break;
  }
}

type_statistics job_statistics::of(std::string_view type) const {
  auto it = types_.find(type);
  return it == types_.end() ? type_statistics{} : it->second;
}

double job_statistics::throughput(timestamp now, std::chrono::seconds window) const {
  const std::int64_t seconds = std::clamp<std::int64_t>(window.count(), 1, remembered_seconds);
  const std::int64_t newest = to_unix_ms(now) / 1000;
  std::uint64_t total = 0;
  for (const auto& [second, n] : completions_)
    if (second > newest - seconds && second <= newest) total += n;
  return static_cast<double>(total) / static_cast<double>(seconds);
}

}  // namespace jobforge

#include "model/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace jobforge {

token_bucket::token_bucket(double per_second, double burst, timestamp now)
    : per_second_(per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

void token_bucket::refill(timestamp now) {
  if (now <= last_) return;
  const double elapsed_s = static_cast<double>((now - last_).count()) / 1000.0;
  tokens_ = std::min(burst_, tokens_ + elapsed_s * per_second_);
  last_ = now;
}

bool token_bucket::available(timestamp now) {
  if (!limited()) return true;
  refill(now);
  return tokens_ >= 1.0;
}

bool token_bucket::try_take(timestamp now) {
  if (!available(now)) return false;
  if (limited()) tokens_ -= 1.0;
  return true;
}

timestamp token_bucket::next_available(timestamp now) {
  if (available(now)) return now;
  const double missing = 1.0 - tokens_;
  const auto wait_ms = static_cast<std::int64_t>(std::ceil(missing * 1000.0 / per_second_));
  return now + milliseconds{std::max<std::int64_t>(wait_ms, 1)};
}

std::optional<std::int64_t> estimate_eta_ms(double percent, milliseconds elapsed) {
  if (!(percent > 0) || elapsed.count() < 0) return std::nullopt;
  if (percent >= 100) return 0;
  return static_cast<std::int64_t>(static_cast<double>(elapsed.count()) * (100.0 - percent) /
                                   percent);
}

}  // namespace jobforge

#pragma once
/// A token bucket for per-type rate limits: `rate` tokens per second refill
/// the bucket up to `burst`; each start takes one. Time is passed in.

#include "model/time.hpp"

#include <optional>

namespace jobforge {

/// Rate limiting state of one job type.
class token_bucket {
 public:
  /// An unlimited bucket when `per_second` <= 0.
  token_bucket(double per_second, double burst, timestamp now);

  bool limited() const { return per_second_ > 0; }

  /// Takes a token if one is available at `now`.
  bool try_take(timestamp now);

  /// Whether a token is available at `now` (without taking it).
  bool available(timestamp now);

  /// When the next whole token will be available (now, if one is).
  timestamp next_available(timestamp now);

 private:
  void refill(timestamp now);
  double per_second_;
  double burst_;
  double tokens_;
  timestamp last_;
};

/// An estimate of the time left from progress so far: elapsed * (100 - p) / p;
/// nullopt before any progress.
std::optional<std::int64_t> estimate_eta_ms(double percent, milliseconds elapsed);

}  // namespace jobforge

#include "client/retry_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace jobforge::client {

std::chrono::milliseconds retry_delay(int retry, std::chrono::milliseconds initial,
                                      std::chrono::milliseconds max, double jitter,
                                      double random01) {
  const double base = static_cast<double>(initial.count()) * std::pow(2.0, std::max(0, retry - 1));
  const double capped = std::min(base, static_cast<double>(max.count()));
  const double share = std::clamp(jitter, 0.0, 1.0) * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds{static_cast<std::int64_t>(capped * (1.0 - share))};
}

}  // namespace jobforge::client

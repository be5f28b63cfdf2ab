#include "handlers/byte_progress.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <utility>

namespace jobforge::handlers {

std::string format_bytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

byte_progress::byte_progress(handler_context& ctx, std::string stage, std::uint64_t total_bytes)
    : ctx_(ctx), stage_(std::move(stage)), total_(total_bytes) {}

void byte_progress::advance(std::uint64_t bytes) {
  done_ += bytes;
  // A file that grew while being read would pass its size: hold at 100.
  const double percent =
      total_ == 0
          ? 100.0
          : std::min(100.0, 100.0 * static_cast<double>(done_) / static_cast<double>(total_));
  if (percent - last_reported_ >= 1.0 || (percent == 100.0 && last_reported_ < 100.0))
    report(percent);
}

void byte_progress::finish() {
  if (last_reported_ < 100.0) report(100.0);
}

void byte_progress::report(double percent) {
  last_reported_ = percent;
  ctx_.report_progress(percent, stage_,
                       format_bytes(done_) + " of " + format_bytes(std::max(done_, total_)));
}

}  // namespace jobforge::handlers

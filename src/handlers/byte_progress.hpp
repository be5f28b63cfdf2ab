#pragma once
/// Progress by bytes: "3.1 MiB of 12 MiB", reported at most once per whole
/// percent so a file of many small chunks does not flood the runtime.

#include "model/handler.hpp"

#include <cstdint>
#include <string>

namespace jobforge::handlers {

/// "512 B", "3.1 MiB", "12 GiB": binary units, one decimal below 10.
std::string format_bytes(std::uint64_t bytes);

/// Turns bytes done out of a known total into progress reports.
class byte_progress {
 public:
  byte_progress(handler_context& ctx, std::string stage, std::uint64_t total_bytes);

  /// Records `bytes` more done; reports if a whole percent passed since the
  /// last report. Never reports more than 100 or a lower percent than before.
  void advance(std::uint64_t bytes);
  /// Reports 100 unless that was the last report.
  void finish();
  std::uint64_t done() const { return done_; }
  std::uint64_t total() const { return total_; }

 private:
  void report(double percent);

  handler_context& ctx_;
  std::string stage_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  double last_reported_ = -1;
};

}  // namespace jobforge::handlers

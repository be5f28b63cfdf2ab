#pragma once
// The process's log, captured while a test runs: what the coordinator's
// actors (and, in simulated time, a worker node's handlers) write to it.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace jobforge::test {

class log_capture {
 public:
  log_capture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~log_capture() {
    spdlog::set_default_logger(previous_);
    spdlog::drop("capture");  // its sink writes to this object
  }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  /// The lines holding every one of `parts`, each as "<level> <message>".
  std::vector<std::string> lines_with(const std::vector<std::string>& parts) const {
    std::vector<std::string> out;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      bool all = true;
      for (const auto& p : parts)
        all = all && line.find(p) != std::string::npos;
      if (all) out.push_back(line);
    }
    return out;
  }

  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

}  // namespace jobforge::test

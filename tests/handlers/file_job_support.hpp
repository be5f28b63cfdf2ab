#pragma once
/// Shared by the report.generate and file.process tests: an input, work and
/// outside folder on disk, seeded text, and a context that requests a stop
/// once progress reaches a given percent (a deterministic point mid-file).

#include "handlers/file_types.hpp"
#include "support/temp_dir.hpp"
#include "testing/test_context.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

namespace jobforge::testing_support {

/// A temp folder holding `input/` (the allowed folder), `work/` and `outside/`.
struct file_job_folders {
  temp_dir root;
  std::filesystem::path input = root.path() / "input";
  std::filesystem::path work = root.path() / "work";
  std::filesystem::path outside = root.path() / "outside";

  file_job_folders() {
    std::filesystem::create_directories(input);
    std::filesystem::create_directories(outside);
  }

  /// Settings with small chunks, so even modest files take many chunks.
  handlers::file_settings settings(std::size_t chunk_bytes = 64 * 1024) const {
    handlers::file_settings s;
    s.input_dir = input.string();
    s.work_dir = work.string();
    s.chunk_bytes = chunk_bytes;
    return s;
  }

  /// Everything in the work folder (missing folder = nothing).
  std::vector<std::filesystem::path> work_files() const {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(work, ec), end; !ec && it != end; ++it)
      files.push_back(it->path());
    return files;
  }
};

/// A JSON string's text, to compare with a std::string.
inline std::string text_of(const boost::json::value& v) {
  return std::string(v.as_string());
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// `bytes` of reproducible text: lines of 0..159 lowercase letters and spaces.
inline std::string seeded_text(std::size_t bytes, std::uint64_t seed) {
  std::string text;
  text.reserve(bytes);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(state >> 33);
  };
  while (text.size() < bytes) {
    const auto length = next() % 160;
    for (std::uint32_t i = 0; i < length && text.size() < bytes; ++i) {
      const auto r = next() % 32;
      text += r >= 26 ? ' ' : static_cast<char>('a' + r);
    }
    if (text.size() < bytes) text += '\n';
  }
  return text;
}

/// Forwards to a test_context, and requests a stop from inside the
/// handler's own progress report once it reaches `stop_percent`.
class stop_on_progress final : public handler_context {
 public:
  stop_on_progress(testing::test_context& inner, double stop_percent)
      : inner_(inner), stop_percent_(stop_percent) {}

  const job_id& job() const override { return inner_.job(); }
  int attempt() const override { return inner_.attempt(); }
  timestamp deadline() const override { return inner_.deadline(); }
  const stop_token& stop() const override { return inner_.stop(); }
  void report_progress(double percent, std::string_view stage, std::string_view message) override {
    inner_.report_progress(percent, stage, message);
    if (percent >= stop_percent_ && !inner_.stop().stop_requested()) {
      if (on_stop) on_stop();
      inner_.request_stop(stop_reason::canceled);
    }
  }
  job_logger& logger() override { return inner_.logger(); }
  void save_checkpoint(boost::json::value checkpoint) override {
    inner_.save_checkpoint(std::move(checkpoint));
  }
  const boost::json::value* checkpoint() const override { return inner_.checkpoint(); }

  /// Runs just before the stop is requested (to look at the work in progress).
  std::function<void()> on_stop;

 private:
  testing::test_context& inner_;
  double stop_percent_;
};

}  // namespace jobforge::testing_support

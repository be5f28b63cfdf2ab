#pragma once
/// An output file being made in the work folder. It is removed when its
/// owner goes, on every path (error, stop, exception), unless committed.

#include "model/handler.hpp"
#include "model/job_error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge::handlers {

/// A new file in the work folder, written in pieces, kept only if committed.
class work_file {
 public:
  work_file() = default;
  ~work_file();
  work_file(const work_file&) = delete;
  work_file& operator=(const work_file&) = delete;

  /// Creates `dir` if missing and a new file in it named
  /// "<stem>-<job id>-<attempt>-<random hex><extension>", so concurrent jobs
  /// and attempts never share one. Failure: `work_dir_unavailable` (transient).
  std::optional<job_error> create(const std::string& dir, const handler_context& ctx,
                                  const std::string& stem, const std::string& extension);
  /// Appends `bytes`. Failure: `write_failed` (transient; a full disk, say).
  std::optional<job_error> write(std::string_view bytes);
  /// Closes the file and hands it over: it is no longer removed.
  std::optional<job_error> commit();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t bytes_written() const { return written_; }

 private:
  void discard();

  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
  std::uint64_t written_ = 0;
};

}  // namespace jobforge::handlers

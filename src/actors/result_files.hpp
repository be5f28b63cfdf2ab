#pragma once
/// Results kept as files in the results folder: a handler's output file, or
/// a JSON result too large to keep in the store's row. Each is written under
/// a temporary name, flushed to disk, then renamed, so a crash never leaves
/// a half-written result under its real name; its SHA-256 goes with the job.
/// Runs on executor worker threads (file I/O never blocks an actor).

#include "model/error.hpp"
#include "model/handler.hpp"
#include "model/job.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace jobforge {

/// Where results go and when a JSON result becomes a file.
struct result_file_settings {
  std::filesystem::path dir;                 ///< empty: no files (results stay inline)
  std::size_t max_inline_bytes = 64 * 1024;  ///< larger JSON results become files
};

/// Takes the file at `spec.path` (moved, or copied across file systems)
/// into the results folder as job `id`'s result.
expected<result_blob> keep_result_file(const result_file_settings& settings, const job_id& id,
                                       const result_file_spec& spec);

/// Writes `text` (a serialized JSON result) into the results folder.
expected<result_blob> keep_json_result(const result_file_settings& settings, const job_id& id,
                                       const std::string& text);

/// Where a result received in pieces is written until it is whole (the
/// folder is created if missing).
expected<std::filesystem::path> partial_result_path(const result_file_settings& settings,
                                                    const job_id& id);

/// Makes the partial file (partial_result_path) job `id`'s result: a JSON
/// result (`json`) or a file of `content_type`.
expected<result_blob> keep_partial_result(const result_file_settings& settings, const job_id& id,
                                          bool json, const std::string& content_type);

/// Removes every result file of these jobs (after they were deleted).
void remove_result_files(const std::filesystem::path& dir, const std::vector<job_id>& ids);

/// The SHA-256 of a file's content, lowercase hex.
expected<std::string> sha256_of_file(const std::filesystem::path& path);

}  // namespace jobforge

#pragma once
/// `report.generate` and `file.process`: real work on local files (SPEC §4).
/// Each is defined in its own file next to this one.

#include "model/job_type.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace jobforge::handlers {

/// The `files` section of the configuration.
struct file_settings {
  std::string input_dir;  ///< input paths must resolve under it; empty = every path refused
  /// Where outputs are written while being made; the runtime then moves a
  /// finished output into the results folder. Same file system as the
  /// results folder, so the move is a rename.
  std::string work_dir;
  std::size_t chunk_bytes = 256 * 1024;  ///< read size; cancellation is checked between chunks
  /// `file.process` fails (`output_too_large`) past this many output bytes,
  /// so a small "gzip bomb" cannot fill the disk.
  std::uint64_t max_output_bytes = std::uint64_t{4} << 30;
};

/// Summarises a file: lines, bytes, SHA-256 (and writes the summary as a report).
job_type report_generate_type(file_settings settings);
/// Transforms a file (gzip, gunzip) into a blob result.
job_type file_process_type(file_settings settings);

}  // namespace jobforge::handlers

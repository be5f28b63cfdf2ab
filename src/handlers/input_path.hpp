#pragma once
/// Resolves a payload's `path` to a regular file inside the allowed input
/// folder, refusing anything that escapes it (`..`, absolute paths, symlinks).

#include "model/job_error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace jobforge::handlers {

/// A resolved input file, or why the path was refused.
struct input_path_resolution {
  /// Set when the path was refused; `path` is then meaningless. Codes:
  /// `path_not_allowed`, `not_found`, `not_a_file` (permanent) and
  /// `input_dir_unavailable` (transient: the folder may come back).
  std::optional<job_error> failure;
  std::filesystem::path path;  ///< canonical, free of symlinks, inside the folder
  std::uintmax_t size = 0;     ///< bytes when resolved
};

/// Resolves `requested` (relative to `input_dir`, or absolute) with every
/// symlink and `..` followed; it must then lie inside canonical `input_dir`.
/// An empty `input_dir` refuses every path.
input_path_resolution resolve_input_path(const std::string& input_dir,
                                         const std::string& requested);

}  // namespace jobforge::handlers

#pragma once
/// Files read from a configured folder (templates, attachments) without
/// letting a name escape it: `..`, absolute paths and symlinks pointing
/// outside are all caught by resolving the real path first.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace jobforge::handlers {

/// What looking a file up under a folder found.
enum class file_lookup { found, missing, outside, not_a_file };

/// A file under a folder, its path with every symlink resolved.
struct contained_file {
  file_lookup status = file_lookup::missing;
  std::filesystem::path path;  ///< meaningful when found
  std::uintmax_t size = 0;     ///< meaningful when found
};

/// Looks `relative` up under `folder`, following symlinks: `outside` when the
/// real path leaves the folder's real path, `not_a_file` when it is no
/// regular file, `missing` when it (or the folder) does not exist.
contained_file find_file_inside(const std::string& folder, const std::string& relative);

/// Reads a file found by find_file_inside, refusing a final symlink that
/// appeared since and anything longer than `max_bytes`; nullopt on failure.
std::optional<std::string> read_contained_file(const contained_file& file, std::size_t max_bytes);

}  // namespace jobforge::handlers

#pragma once
/// Whether a path lies inside a folder, compared component by component, so
/// that /data/in2 is not taken to be inside /data/in. Both paths must be
/// absolute and already resolved (canonical) or lexically normalised: this
/// compares names, it does not touch the file system.

#include <filesystem>

namespace jobforge::handlers {

enum class path_place { outside, the_folder, inside };

/// Where `path` lies relative to `folder` (a trailing '/' on either is ignored).
path_place place_of(const std::filesystem::path& path, const std::filesystem::path& folder);

}  // namespace jobforge::handlers

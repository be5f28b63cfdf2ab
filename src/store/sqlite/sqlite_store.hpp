#pragma once
/// The SQLite store, jobforge's default: one database file in WAL mode,
/// written in one transaction per batch (the store actor's group commit).
/// Each job is one row: the whole job as JSON plus copies of the fields that
/// list queries filter and sort by, each behind an index, and its tags in a
/// side table.

#include "store/store.hpp"

#include <memory>
#include <string>

namespace jobforge {

/// How hard each commit insists on reaching the disk (SQLite's
/// `PRAGMA synchronous`): `full` survives power loss, `normal` survives a
/// crash of the process but may lose the last commits on power loss.
enum class sqlite_sync { off, normal, full };

struct sqlite_options {
  std::string path;  ///< the database file; created (not its folder) when missing
  sqlite_sync sync = sqlite_sync::full;
};

/// Opens (creating and migrating if needed) the database at `options.path`.
/// Fails with `unavailable` when the file cannot be opened or written, and
/// with `conflict` when it was written by a newer jobforge.
expected<std::unique_ptr<store>> open_sqlite_store(const sqlite_options& options);

/// Parses "off", "normal" or "full".
std::optional<sqlite_sync> parse_sqlite_sync(std::string_view text);

}  // namespace jobforge

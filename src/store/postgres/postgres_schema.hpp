#pragma once
/// The PostgreSQL store's schema: numbered migrations, applied at start-up
/// inside one transaction under an advisory lock (two coordinators starting
/// together migrate once), and the leader lease with its fencing function
/// (see docs/durability.md).

#include "store/postgres/pg_connection.hpp"

#include <cstdint>

namespace jobforge::pg {

/// A database migrated by a newer jobforge than this one.
class newer_schema : public failure {
 public:
  using failure::failure;
};

/// The advisory lock keys jobforge takes (one 64-bit key space per database).
inline constexpr std::int64_t migration_lock_key = 0x6a6f62666f726701;  // "jobforg\x01"
inline constexpr std::int64_t epoch_lock_key =
    0x6a6f62666f726702;  // "jobforg\x02"; jobforge_fence() spells it in SQL

/// The raised SQLSTATE when a fenced transaction's epoch is no longer current.
inline constexpr const char* stale_epoch_sqlstate = "JF001";

/// The schema version this jobforge writes.
std::int64_t latest_schema_version();

/// Brings the database to the latest version; throws `newer_schema` when it
/// is ahead of this jobforge, `failure` when a migration fails (nothing of
/// it is then applied).
void migrate(connection& db);

}  // namespace jobforge::pg

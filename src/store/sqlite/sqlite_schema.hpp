#pragma once
/// The SQLite store's schema: numbered migrations, applied at start-up in
/// one transaction. The version lives in `PRAGMA user_version`.

#include "store/sqlite/sqlite_connection.hpp"

#include <cstdint>

namespace jobforge::sqlite {

/// The database was written by a newer jobforge.
class newer_schema : public failure {
 public:
  using failure::failure;
};

/// The schema version this build writes.
std::int64_t latest_schema_version();

/// Brings the database to the latest version, all migrations or none.
/// Throws `newer_schema` for a database from a newer jobforge, naming both
/// versions, and changes nothing then.
void migrate(connection& db);

/// Brings the database to `version` only (tests build old databases with it).
void migrate_to(connection& db, std::int64_t version);

}  // namespace jobforge::sqlite

#pragma once
/// Migration 4 of the SQLite store: documents that an earlier jobforge
/// wrote with `Infinity` or `NaN` in them (a payload with 1e400, say) are
/// not JSON, and made every listing fail. They are rewritten with `null` in
/// those places; a document that is still not a job stays as it is, and the
/// store reports it as unreadable.

#include "store/sqlite/sqlite_connection.hpp"

#include <cstddef>

namespace jobforge::sqlite {

/// Repairs the documents that are not JSON because of such a number;
/// returns how many were rewritten. Runs inside the migration transaction.
std::size_t repair_non_finite_documents(connection& db);

}  // namespace jobforge::sqlite

#pragma once
/// A call on a PostgreSQL session that may have been lost since its last
/// use (the server restarted, an administrator ended it): the session is
/// opened again and the call made once more. Every call the store makes
/// can be repeated: reads, and writes that are idempotent snapshots (a
/// batch that did commit before its answer was lost is written again
/// unchanged).

#include "model/error.hpp"
#include "store/postgres/pg_connection.hpp"

#include <functional>
#include <optional>

namespace jobforge::pg {

/// What the caller does once a lost session is open again (the store
/// counts its jobs anew), and how it answers a failure it recognizes
/// (nullopt: it does not; the store's fencing).
struct guard_hooks {
  std::function<void()> reopened;
  std::function<std::optional<error>(const char* doing, const failure&)> refusal;
};

/// Runs `body` on `db`, reopening a lost session first and once more after
/// a failure that lost it. A failure the hooks' refusal names is answered
/// as it says; any other failure of the database is `unavailable` ("could
/// not DOING: ..."), any other exception `internal`.
expected<void> guarded(connection& db, const char* doing, const std::function<void()>& body,
                       const guard_hooks& hooks = {});

}  // namespace jobforge::pg

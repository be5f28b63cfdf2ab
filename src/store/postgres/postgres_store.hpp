#pragma once
/// The PostgreSQL store: jobs in a shared database, for coordinators that
/// stand by for each other (one active, see docs/durability.md). Each batch
/// is one transaction sent as one pipeline; new and changed jobs go in one
/// upsert over arrays, history entries are appended to their own table, and
/// with an epoch set every transaction is fenced by it.

#include "store/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace jobforge {

struct postgres_options {
  std::string url;  ///< a libpq connection string or URI
  /// The leader epoch this store writes under: every writing transaction
  /// first checks that it is still the current one, and fails (`conflict`)
  /// once another coordinator took over. Unset: no fencing (one
  /// coordinator on the database).
  std::optional<std::int64_t> epoch;
  /// Called (on the writing thread) when a transaction was refused because
  /// the epoch moved on: this process is no longer the leader. The write
  /// still fails with `conflict` afterwards.
  std::function<void(const std::string& why)> on_fenced;
  /// How long its session may sit idle inside a transaction before the
  /// server ends it (pg::session_limits): a leader's lease length, so that
  /// a leader paused half-way through a write cannot hold up a takeover
  /// for longer than that. 0: no limit.
  std::chrono::milliseconds idle_in_transaction{0};
  /// How many readers open_readers() opens, each a connection of its own
  /// beside the writing one (`postgres.pool_size`).
  std::size_t readers = 0;
};

/// Connects to the database, migrating it if needed. Fails with
/// `unavailable` when it cannot be reached, `conflict` when a newer jobforge
/// migrated it.
expected<std::unique_ptr<store>> open_postgres_store(const postgres_options& options);

/// `url` with its password (key=value or URI form) replaced by "***", for logs.
std::string redacted_postgres_url(const std::string& url);

}  // namespace jobforge

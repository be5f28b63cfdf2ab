#pragma once
/// The one place that knows which stores exist: the configuration names a
/// kind, and open_store() builds it (the config's validation, the CLI and
/// `serve` all ask here, so a new backend is added here alone).

#include "store/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

/// Which store to open, and its settings.
struct store_settings {
  std::string kind = "sqlite";    ///< one of store_kinds()
  std::string data_dir = "data";  ///< sqlite: the database is data_dir/jobforge.db
  std::string sqlite_sync = "full";
  std::string postgres_url;  ///< postgres: a libpq connection string or URI
  /// postgres: the leader epoch every write is fenced by (unset: none).
  std::optional<std::int64_t> epoch;
  /// postgres: told when a write was refused because another coordinator
  /// took over (see postgres_options::on_fenced).
  std::function<void(const std::string& why)> on_fenced;
  /// postgres: how long a session may sit idle in a transaction (see
  /// postgres_options::idle_in_transaction); 0: no limit.
  std::chrono::milliseconds postgres_idle_in_transaction{0};
  /// postgres: connections for reads beside the writing one (see
  /// store::open_readers); 0: the store writer reads too.
  std::size_t postgres_pool_size = 0;
};

/// The kinds of store, each with a line saying what it is.
struct store_kind {
  std::string name;
  std::string meaning;
};
const std::vector<store_kind>& store_kinds();

/// The names of store_kinds(), for choices in the config and the CLI.
std::vector<std::string> store_kind_names();

/// A store opened and ready, with a line for the start-up log that says
/// where it is (never a password).
struct opened_store {
  std::shared_ptr<store> backend;
  std::string description;
};

/// Opens the store `settings` name: `invalid_argument` for a kind or a
/// setting that does not exist, `unavailable` when it cannot be reached or
/// written, `conflict` when a newer jobforge wrote it.
expected<opened_store> open_store(const store_settings& settings);

}  // namespace jobforge

#include "store/store_factory.hpp"

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <filesystem>

namespace jobforge {
namespace {

expected<opened_store> open_sqlite(const store_settings& s) {
  const auto sync = parse_sqlite_sync(s.sqlite_sync);
  if (!sync)
    return error{error_code::invalid_argument,
                 "sqlite_sync must be full, normal or off, not '" + s.sqlite_sync + "'"};
  std::error_code ec;
  std::filesystem::create_directories(s.data_dir, ec);
  if (ec)
    return error{error_code::unavailable,
                 "cannot create the data directory " + s.data_dir + ": " + ec.message()};
  const std::string path = (std::filesystem::path(s.data_dir) / "jobforge.db").string();
  auto opened = open_sqlite_store({path, *sync});
  if (!opened) return std::move(opened).error_value();
  return opened_store{std::shared_ptr<store>(std::move(opened).value()),
                      "SQLite " + path + " (synchronous=" + s.sqlite_sync + ")"};
}

expected<opened_store> open_postgres(const store_settings& s) {
  if (s.postgres_url.empty())
    return error{error_code::invalid_argument,
                 "store postgres needs postgres.url (JOBFORGE_POSTGRES_URL), a libpq connection "
                 "string such as postgresql://jobforge@db.example/jobforge"};
  auto opened = open_postgres_store(
      {s.postgres_url, s.epoch, s.on_fenced, s.postgres_idle_in_transaction, s.postgres_pool_size});
  if (!opened) return std::move(opened).error_value();
  std::string description = "PostgreSQL " + redacted_postgres_url(s.postgres_url);
  if (s.epoch) description += " (leader epoch " + std::to_string(*s.epoch) + ")";
  return opened_store{std::shared_ptr<store>(std::move(opened).value()), description};
}

}  // namespace

const std::vector<store_kind>& store_kinds() {
  static const std::vector<store_kind> kinds = {
      {"sqlite", "a SQLite file in data_dir (durable, one coordinator)"},
      {"postgres", "a PostgreSQL database (durable; coordinators on it stand by for each other)"},
      {"memory", "nothing survives the process"},
  };
  return kinds;
}

std::vector<std::string> store_kind_names() {
  std::vector<std::string> out;
  for (const auto& k : store_kinds())
    out.push_back(k.name);
  return out;
}

expected<opened_store> open_store(const store_settings& settings) {
  if (settings.kind == "memory")
    return opened_store{std::shared_ptr<store>(make_memory_store()),
                        "in-memory (jobs are lost when the process exits)"};
  if (settings.kind == "sqlite") return open_sqlite(settings);
  if (settings.kind == "postgres") return open_postgres(settings);
  std::string names;
  for (const auto& k : store_kinds())
    names += (names.empty() ? "" : ", ") + k.name;
  return error{error_code::invalid_argument,
               "store must be one of " + names + ", not '" + settings.kind + "'"};
}

}  // namespace jobforge

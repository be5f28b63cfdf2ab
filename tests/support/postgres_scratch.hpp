#pragma once
/// Databases for the PostgreSQL tests: CTest starts one throwaway server
/// for the run (scripts/pg-test-server, the `postgres` fixture in
/// tests/CMakeLists.txt) and passes its address in JOBFORGE_TEST_POSTGRES;
/// each test makes databases of its own in it and drops them after.
///
/// Without that variable the tests fail with a message saying so: the
/// suite never skips PostgreSQL silently.

#include "store/postgres/pg_connection.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace jobforge::testing_support {

/// The test server's connection string without a database name.
inline std::string postgres_server() {
  const char* url = std::getenv("JOBFORGE_TEST_POSTGRES");
  if (url == nullptr || *url == '\0')
    throw std::runtime_error(
        "JOBFORGE_TEST_POSTGRES is not set: run the PostgreSQL tests through ctest, whose "
        "`postgres` fixture starts a server (scripts/pg-test-server start DIR) and sets it to "
        "\"host=DIR user=postgres\"");
  return url;
}

/// A fresh, empty database, dropped (with its sessions) when this goes.
class scratch_database {
 public:
  scratch_database() : server_(postgres_server()) {
    static std::atomic<int> made{0};
    name_ = "jobforge_test_" + std::to_string(::getpid()) + "_" + std::to_string(++made);
    admin().exec("CREATE DATABASE " + name_);
  }
  ~scratch_database() {
    try {
      admin().exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
      // The server goes at the end of the run anyway.
    }
  }
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  const std::string& name() const { return name_; }
  /// A connection string for this database.
  std::string url() const { return server_ + " dbname=" + name_; }
  /// A session of its own on this database, for looking behind the store.
  pg::connection connect() const { return pg::connection(url()); }

 private:
  pg::connection admin() const { return pg::connection(server_ + " dbname=postgres"); }

  std::string server_;
  std::string name_;
};

}  // namespace jobforge::testing_support

#pragma once
// The stores the runtime suites run on, each as a `storage`: where one
// test's jobs live for the whole test, and `open()`, a store on it as a
// starting process opens one (a restart opens it again and reads back what
// the last run wrote). A suite is written once as templates over the
// backend and registered for each with JOBFORGE_RUNTIME_BACKEND_CASE_, the
// way tests/store/store_conformance.hpp registers the store suite.

#include "../support/postgres_scratch.hpp"
#include "../support/temp_dir.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

#include <catch2/catch.hpp>

#include <memory>

namespace jobforge::test {

/// The memory store: every open() is the same store (what a restart would
/// read back from a durable one), sharing its snapshots with the runtime.
struct memory_backend {
  class storage {
   public:
    std::shared_ptr<store> open() { return store_; }

   private:
    std::shared_ptr<store> store_ = make_memory_store();
  };
};

/// A SQLite file in a folder of its own; each open() is a new connection.
struct sqlite_backend {
  class storage {
   public:
    std::shared_ptr<store> open() {
      auto opened = open_sqlite_store({dir_.file("jobforge.db"), sqlite_sync::normal});
      INFO((opened ? std::string("ok") : to_string(opened.error_value())));
      REQUIRE(opened.has_value());
      return std::move(opened).value();
    }

   private:
    testing_support::temp_dir dir_;
  };
};

/// A scratch database in the run's PostgreSQL server (its test cases are
/// tagged [postgres]); each open() is a new session, unfenced, with two
/// readers (postgres.pool_size), so that the runtime's fetches and lists
/// are answered by reader actors on connections of their own.
struct postgres_backend {
  class storage {
   public:
    std::shared_ptr<store> open() {
      postgres_options options;
      options.url = db_.url();
      options.readers = 2;
      auto opened = open_postgres_store(options);
      INFO((opened ? std::string("ok") : to_string(opened.error_value())));
      REQUIRE(opened.has_value());
      return std::move(opened).value();
    }

   private:
    testing_support::scratch_database db_;
  };
};

}  // namespace jobforge::test

/// One test case of a suite for one backend: named "<label>: <title>",
/// tagged `tags` and [<label>], running `behaviour<backend>()`.
#define JOBFORGE_RUNTIME_BACKEND_CASE_(backend, label, tags, title, behaviour) \
  TEST_CASE(label ": " title, tags "[" label "]") {                            \
    behaviour<backend>();                                                      \
  }

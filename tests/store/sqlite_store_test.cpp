#include "store/sqlite/sqlite_store.hpp"
#include "../support/owning_store.hpp"
#include "../support/temp_dir.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/sqlite/sqlite_schema.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <limits>
#include <memory>

namespace {

using jobforge::testing_support::temp_dir;

struct sqlite_backend {
  // Each store gets a folder of its own, removed with the store.
  static std::unique_ptr<jobforge::store> make() {
    auto dir = std::make_unique<temp_dir>();
    auto opened = jobforge::open_sqlite_store({dir->file("jobs.db")});
    if (!opened) FAIL(to_string(opened.error_value()));
    return std::make_unique<jobforge::testing_support::owning_store<temp_dir>>(
        std::move(dir), std::move(opened).value());
  }
};

}  // namespace

JOBFORGE_STORE_CONFORMANCE(sqlite_backend, "sqlite")

using namespace jobforge;
using namespace jobforge::conformance;

namespace {

const std::int64_t latest_version = sqlite::latest_schema_version();

std::unique_ptr<store> open_ok(const std::string& path, sqlite_sync sync = sqlite_sync::full) {
  auto opened = open_sqlite_store({path, sync});
  INFO(describe(opened));
  REQUIRE(opened.has_value());
  return std::move(opened).value();
}

// Runs one statement on the file with the plain C API, beside the store.
std::int64_t raw_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void raw_exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  INFO((message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("sqlite: an empty file is migrated to the latest schema in WAL mode", "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  open_ok(path);
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  CHECK(raw_int(path,
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                "('jobs', 'job_tags', 'job_parents')") == 3);
  CHECK(raw_int(path,
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE "
                "'jobs_by_%'") == 7);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("sqlite: jobs survive closing and re-opening the file", "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  const job every = job_with_every_field();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 50; ++i)
    jobs.push_back(make_job(100 + i, at_second(i), all_job_statuses[i % 8]));
  {
    auto s = open_ok(path);
    put(*s, every);
    put_all(*s, jobs);
    erase(*s, jobs[0].id);
  }
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  auto s = open_ok(path);  // migrations find nothing to do
  const auto back = get(*s, every.id);
  REQUIRE(back.has_value());
  CHECK(fingerprint(*back) == fingerprint(every));
  CHECK_FALSE(get(*s, jobs[0].id).has_value());
  jobs.erase(jobs.begin());
  jobs.push_back(every);
  CHECK(counts_vector(counts(*s)) == expected_counts(jobs));
  job_query q;
  q.limit = 1000;
  CHECK(list_ok(*s, q).items.size() == jobs.size());
}

TEST_CASE("sqlite: a database from a newer jobforge is refused and left alone", "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  raw_exec(path, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  auto opened = open_sqlite_store({path});
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error_value().code == error_code::conflict);
  const std::string message = opened.error_value().message;
  CHECK_THAT(message, Catch::Contains("schema version 99") && Catch::Contains("newer") &&
                          Catch::Contains(path));
  CHECK(raw_int(path, "PRAGMA user_version") == 99);
  CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs'") == 0);
}

TEST_CASE("sqlite: a version 1 database gains the parents of its jobs", "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  job parent = make_job(1, t0, job_status::running);
  job child = make_job(2, t0 + 1s, job_status::blocked);
  child.dependencies.depends_on = {parent.id};
  {
    // The file as the first release of the schema left it, rows and all.
    sqlite::connection db(path);
    sqlite::migrate_to(db, 1);
    for (const job* j : {&parent, &child}) {
      sqlite::statement insert(
          db,
          "INSERT INTO jobs (id, type, status, priority, tenant, created_at, tags, doc) "
          "VALUES (?1, ?2, ?3, 1, ?4, ?5, '', ?6)");
      insert.bind(1, to_string(j->id))
          .bind(2, j->type)
          .bind(3, static_cast<std::int64_t>(j->status))
          .bind(4, j->tenant)
          .bind(5, to_unix_ms(j->created_at))
          .bind(6, boost::json::serialize(to_json(*j)));
      insert.run();
    }
  }
  REQUIRE(raw_int(path, "PRAGMA user_version") == 1);
  open_ok(path);  // the store owns the file while open: read it once closed
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  auto s = open_ok(path);
  job_filter children;
  children.parent = parent.id;
  const auto page = list_ok(*s, query_for(children));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].id == child.id);
  // The next write of the child finds its parents as the migration set them.
  child.status = job_status::pending;
  put(*s, child);
  CHECK(list_ok(*s, query_for(children)).items.size() == 1);
}

namespace {

// A job row as a store of schema version 2 or 3 wrote it (columns up to
// `parents`), for the migration tests.
void insert_row_with_parents(sqlite::connection& db, const job& j) {
  std::string parents;
  for (const auto& p : j.dependencies.depends_on)
    parents += to_string(p) + '\x1f';
  sqlite::statement insert(
      db,
      "INSERT INTO jobs (id, type, status, priority, tenant, created_at, tags, doc, parents) "
      "VALUES (?1, ?2, ?3, 1, ?4, ?5, '', ?6, ?7)");
  insert.bind(1, to_string(j.id))
      .bind(2, j.type)
      .bind(3, static_cast<std::int64_t>(j.status))
      .bind(4, j.tenant)
      .bind(5, to_unix_ms(j.created_at))
      .bind(6, boost::json::serialize(to_json(j)))
      .bind(7, parents);
  insert.run();
}

}  // namespace

TEST_CASE("sqlite: a version 2 database gains what recovery reads without documents",
          "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  job parent = make_job(1, t0, job_status::running);
  job delayed = make_job(2, t0 + 1s, job_status::scheduled);
  delayed.run_at = t0 + 1h + 250ms;
  job waiting = make_job(3, t0 + 2s, job_status::retrying);
  waiting.next_attempt_at = t0 + 90s + 7ms;
  job child = make_job(4, t0 + 3s, job_status::blocked);
  child.dependencies.depends_on = {parent.id};
  child.dependencies.mode = dependency_mode::any;
  child.dependencies.on_failure = dependency_failure_policy::run;
  const std::vector<job> jobs{parent, delayed, waiting, child};
  {
    // The file as schema version 2 left it, rows and all.
    sqlite::connection db(path);
    sqlite::migrate_to(db, 2);
    for (const job& j : jobs)
      insert_row_with_parents(db, j);
  }
  REQUIRE(raw_int(path, "PRAGMA user_version") == 2);
  open_ok(path);  // the store owns the file while open: read it once closed
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  auto s = open_ok(path);
  auto summaries = s->load_unfinished_summaries();
  INFO(describe(summaries));
  REQUIRE(summaries.has_value());
  CHECK(summary_texts(*summaries) == summary_texts(jobs));
}

TEST_CASE("sqlite: counts by status start from the rows in the file and follow every change",
          "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 24; ++i)
    jobs.push_back(make_job(10 + i, t0 + std::chrono::seconds(i), all_job_statuses[i % 8]));
  {
    // Rows already in the file (written before this store opened it).
    sqlite::connection db(path);
    sqlite::migrate_to(db, 3);
    for (const job& j : jobs)
      insert_row_with_parents(db, j);
  }
  open_ok(path);  // the store owns the file while open: read it once closed
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  auto s = open_ok(path);
  const auto expected_counts = [&] {
    std::vector<std::size_t> out(all_job_statuses.size(), 0);
    for (const job& j : jobs)
      ++out[static_cast<std::size_t>(j.status)];
    return out;
  };
  CHECK(counts_vector(counts(*s)) == expected_counts());
  // Status changes, unchanged rewrites, inserts and erases keep them exact.
  jobs[0].status = job_status::completed;
  jobs[1].status = job_status::failed;
  put(*s, jobs[0]);
  put(*s, jobs[1]);
  put(*s, jobs[2]);  // the same status again
  job fresh = make_job(99, t0 + 1h, job_status::pending);
  put(*s, fresh);
  jobs.push_back(fresh);
  auto erased =
      s->apply({erase_job{jobs[3].id}, erase_job{make_job(98, t0, job_status::pending).id}});
  REQUIRE(erased.has_value());
  jobs.erase(jobs.begin() + 3);
  CHECK(counts_vector(counts(*s)) == expected_counts());
  // And they are what a full count of the file says once the store closed.
  const auto kept = counts(*s);
  s.reset();
  for (const auto status : all_job_statuses) {
    INFO(to_string(status));
    const std::string count_sql =
        "SELECT count(*) FROM jobs WHERE status = " + std::to_string(static_cast<int>(status));
    CHECK(raw_int(path, count_sql.c_str()) == static_cast<std::int64_t>(kept.of(status)));
  }
}

TEST_CASE("sqlite: a file that cannot be created is a clear error", "[store][sqlite]") {
  temp_dir dir;
  auto opened = open_sqlite_store({dir.file("no/such/folder/jobs.db")});
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error_value().code == error_code::unavailable);
  CHECK_THAT(opened.error_value().message, Catch::Contains("no/such/folder/jobs.db"));
}

TEST_CASE("sqlite: a damaged row is reported, not a crash", "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  const job j = make_job(1, t0);
  {
    auto s = open_ok(path);
    put(*s, j);
  }
  raw_exec(path, "UPDATE jobs SET doc = '{\"id\": 12}'");
  auto s = open_ok(path);
  auto found = s->get(j.id);
  REQUIRE_FALSE(found.has_value());
  CHECK(found.error_value().code == error_code::internal);
  CHECK_THAT(found.error_value().message, Catch::Contains(to_string(j.id)));
  CHECK_THAT(found.error_value().message, Catch::Contains("is not a job"));
  CHECK_FALSE(s->load_unfinished().has_value());
}

TEST_CASE("sqlite: a job whose document is not JSON is listed as unreadable, the rest as jobs",
          "[store][sqlite][non_finite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 5; ++i)
    jobs.push_back(make_job(10 + i, at_second(i)));
  const job& bad = jobs[2];
  {
    auto s = open_ok(path);
    put_all(*s, jobs);
  }
  // What an earlier jobforge wrote for a payload of {"n": 1e400}, and cut
  // short too, so that no migration can repair it.
  const std::string damage = "UPDATE jobs SET doc = '{\"id\":\"" + to_string(bad.id) +
                             "\",\"payload\":{\"n\":Infinity' WHERE id = '" + to_string(bad.id) +
                             "'";
  raw_exec(path, damage.c_str());
  auto s = open_ok(path);

  job_query q;
  q.order = job_order::created_asc;
  auto page = list_ok(*s, q);
  CHECK(ids_of(page.items) == std::vector<std::string>{to_string(jobs[0].id), to_string(jobs[1].id),
                                                       to_string(jobs[3].id),
                                                       to_string(jobs[4].id)});
  REQUIRE(page.unreadable.size() == 1);
  CHECK(page.unreadable[0].id == bad.id);
  CHECK_THAT(page.unreadable[0].reason, Catch::Contains("not JSON"));

  // Page by page too: the bad row holds its place, and the cursor after it
  // comes from its columns.
  q.limit = 1;
  std::vector<std::string> seen;
  for (int n = 0; n < 10; ++n) {
    auto one = list_ok(*s, q);
    CHECK(one.items.size() + one.unreadable.size() == 1);
    for (const auto& j : one.items)
      seen.push_back(to_string(j.id));
    for (const auto& u : one.unreadable)
      seen.push_back("unreadable " + to_string(u.id));
    if (!one.next_cursor) break;
    q.cursor = one.next_cursor;
  }
  CHECK(seen == std::vector<std::string>{to_string(jobs[0].id), to_string(jobs[1].id),
                                         "unreadable " + to_string(bad.id), to_string(jobs[3].id),
                                         to_string(jobs[4].id)});

  // The bad job alone answers an error that names it; the others read.
  auto found = s->get(bad.id);
  REQUIRE_FALSE(found.has_value());
  CHECK(found.error_value().code == error_code::internal);
  CHECK_THAT(found.error_value().message, Catch::Contains(to_string(bad.id)));
  CHECK(found.error_value().details.at("id") == boost::json::value(to_string(bad.id)));
  CHECK(get(*s, jobs[3].id).has_value());
}

TEST_CASE("sqlite: migration 4 repairs documents written with Infinity and NaN",
          "[store][sqlite][non_finite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  job poisoned = make_job(1, t0);
  const job fine = make_job(2, t0 + 1s);
  {
    auto s = open_ok(path);
    put_all(*s, {poisoned, fine});
  }
  // The file as version 3 left it after `{"n": 1e400, "m": -1e400}` and a
  // NaN result: Boost.JSON's spelling (Infinity, -Infinity, NaN), not JSON.
  constexpr double inf = std::numeric_limits<double>::infinity();
  poisoned.payload = boost::json::object{{"n", inf}, {"m", -inf}, {"s", "Infinity -2.5 NaN"}};
  poisoned.result = boost::json::array{std::numeric_limits<double>::quiet_NaN()};
  const std::string old_text = boost::json::serialize(to_json(poisoned));
  REQUIRE(old_text.find("\"n\":Infinity") != std::string::npos);
  const std::string damage = "UPDATE jobs SET doc = '" + old_text + "' WHERE id = '" +
                             to_string(poisoned.id) + "'; PRAGMA user_version = 3;";
  raw_exec(path, damage.c_str());
  REQUIRE(raw_int(path, "SELECT count(*) FROM jobs WHERE NOT json_valid(doc)") == 1);

  open_ok(path);  // the store owns the file while open: read it once closed
  CHECK(raw_int(path, "PRAGMA user_version") == latest_version);
  CHECK(raw_int(path, "SELECT count(*) FROM jobs WHERE NOT json_valid(doc)") == 0);
  auto s = open_ok(path);
  auto repaired = get(*s, poisoned.id);
  REQUIRE(repaired);
  // null where no number could be kept; strings that merely say so are left alone.
  CHECK(repaired->payload ==
        boost::json::object{{"n", nullptr}, {"m", nullptr}, {"s", "Infinity -2.5 NaN"}});
  CHECK(repaired->result == boost::json::array{nullptr});
  CHECK(fingerprint(*get(*s, fine.id)) == fingerprint(fine));
  auto page = list_ok(*s, job_query{});
  CHECK(page.items.size() == 2);
  CHECK(page.unreadable.empty());
}

TEST_CASE("sqlite: a job holding a number that is not finite is refused, the file unchanged",
          "[store][sqlite][non_finite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  auto s = open_ok(path);
  const job before = make_job(1, t0);
  put(*s, before);
  for (const double bad :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    job j = make_job(2, t0 + 1s);
    j.checkpoint = boost::json::object{{"x", boost::json::array{1, bad}}};
    job changed = before;
    changed.status = job_status::running;
    const auto r = s->apply({put_job{share(changed)}, put_job{share(j)}});
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error_value().message, Catch::Contains("/checkpoint/x/1"));
  }
  CHECK(get(*s, before.id)->status == job_status::pending);
  // Neither write of the batch landed, and every document in the file is JSON.
  s.reset();
  CHECK(raw_int(path, "SELECT count(*) FROM jobs") == 1);
  CHECK(raw_int(path, "SELECT count(*) FROM jobs WHERE NOT json_valid(doc)") == 0);
}

TEST_CASE("sqlite: each synchronous level opens and is applied", "[store][sqlite]") {
  CHECK(parse_sqlite_sync("full") == sqlite_sync::full);
  CHECK(parse_sqlite_sync("normal") == sqlite_sync::normal);
  CHECK(parse_sqlite_sync("off") == sqlite_sync::off);
  CHECK_FALSE(parse_sqlite_sync("FULL").has_value());
  temp_dir dir;
  for (auto sync : {sqlite_sync::off, sqlite_sync::normal, sqlite_sync::full}) {
    auto s = open_ok(dir.file("jobs.db"), sync);
    put(*s, make_job(static_cast<std::uint64_t>(sync) + 1, t0));
  }
  auto s = open_ok(dir.file("jobs.db"));
  CHECK(counts(*s).of(job_status::pending) == 3);
}

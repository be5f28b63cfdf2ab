// The PostgreSQL store: the conformance suite, then what only it does
// (migrations under a lock, fencing by the leader epoch, sessions that come
// back, histories in their own table). Each test case has a database of its
// own in the run's throwaway server (tests/support/postgres_scratch.hpp).
#include "store/postgres/postgres_store.hpp"
#include "../support/owning_store.hpp"
#include "../support/postgres_scratch.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <thread>

namespace {

using jobforge::testing_support::owning_store;

jobforge::postgres_options options_for(std::string url, std::optional<std::int64_t> epoch) {
  jobforge::postgres_options o;
  o.url = std::move(url);
  o.epoch = epoch;
  return o;
}
using jobforge::testing_support::scratch_database;

struct postgres_backend {
  static std::unique_ptr<jobforge::store> make() {
    auto db = std::make_unique<scratch_database>();
    auto opened = jobforge::open_postgres_store(options_for(db->url(), std::nullopt));
    if (!opened) FAIL(to_string(opened.error_value()));
    return std::make_unique<owning_store<scratch_database>>(std::move(db),
                                                            std::move(opened).value());
  }
};

}  // namespace

JOBFORGE_STORE_CONFORMANCE(postgres_backend, "postgres")

using namespace jobforge;
using namespace jobforge::conformance;

namespace {

std::unique_ptr<store> open_ok(const scratch_database& db,
                               std::optional<std::int64_t> epoch = std::nullopt) {
  auto opened = open_postgres_store(options_for(db.url(), epoch));
  if (!opened) FAIL(to_string(opened.error_value()));
  return std::move(opened).value();
}

std::int64_t scalar(pg::connection& c, const std::string& sql) {
  auto r = c.exec(sql);
  REQUIRE(r.rows() == 1);
  return r.integer(0, 0);
}

// What a takeover does to the lease row (the leader lease code does more;
// the fence only looks at the epoch).
void bump_epoch(pg::connection& c, std::int64_t to) {
  c.exec("BEGIN");
  c.exec("SELECT pg_advisory_xact_lock(" + std::to_string(pg::epoch_lock_key) + ")");
  c.exec("UPDATE jobforge_leader SET epoch = " + std::to_string(to));
  c.exec("COMMIT");
}

job with_status(job j, job_status s) {
  history_entry e;
  e.at = j.updated_at + std::chrono::seconds(j.history.size());
  e.from = j.status;
  e.to = s;
  e.attempt = 1;
  j.history.push_back(std::move(e));
  j.status = s;
  return j;
}

}  // namespace

TEST_CASE("postgres: a new database is migrated to the latest schema once", "[store][postgres]") {
  scratch_database db;
  { auto s = open_ok(db); }
  { auto again = open_ok(db); }
  auto c = db.connect();
  CHECK(scalar(c, "SELECT version FROM jobforge_schema") == pg::latest_schema_version());
  CHECK(scalar(c, "SELECT count(*) FROM jobforge_schema") == 1);
  CHECK(scalar(c, "SELECT count(*) FROM jobforge_leader") == 1);
}

TEST_CASE("postgres: coordinators starting together migrate once", "[store][postgres]") {
  scratch_database db;
  std::vector<std::future<expected<std::unique_ptr<store>>>> starting;
  for (int i = 0; i < 4; ++i)
    starting.push_back(std::async(std::launch::async, [&] {
      return open_postgres_store(options_for(db.url(), std::nullopt));
    }));
  for (auto& f : starting) {
    auto opened = f.get();
    CHECK(opened.has_value());
  }
  auto c = db.connect();
  CHECK(scalar(c, "SELECT version FROM jobforge_schema") == pg::latest_schema_version());
  CHECK(scalar(c, "SELECT count(*) FROM jobforge_schema") == 1);
}

TEST_CASE("postgres: a database from a newer jobforge is refused and left alone",
          "[store][postgres]") {
  scratch_database db;
  { auto s = open_ok(db); }
  auto c = db.connect();
  const auto newer = pg::latest_schema_version() + 1;
  c.exec("UPDATE jobforge_schema SET version = " + std::to_string(newer));
  auto opened = open_postgres_store(options_for(db.url(), std::nullopt));
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error_value().code == error_code::conflict);
  CHECK_THAT(
      opened.error_value().message,
      Catch::Contains("schema version " + std::to_string(newer)) && Catch::Contains("newer"));
  CHECK(scalar(c, "SELECT version FROM jobforge_schema") == newer);
}

TEST_CASE("postgres: a server that cannot be reached is a clear error without the password",
          "[store][postgres]") {
  auto opened =
      open_postgres_store(options_for("host=/nonexistent/jobforge user=jobforge password=hunter2 "
                                      "connect_timeout=2",
                                      std::nullopt));
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error_value().code == error_code::unavailable);
  CHECK_THAT(opened.error_value().message, !Catch::Contains("hunter2"));
  CHECK_THAT(to_string(opened.error_value()), !Catch::Contains("hunter2"));
}

TEST_CASE("postgres: passwords are redacted from connection strings", "[store][postgres]") {
  CHECK(redacted_postgres_url("postgresql://jf:s3cret@db.example:5432/jobs") ==
        "postgresql://jf:***@db.example:5432/jobs");
  CHECK(redacted_postgres_url("postgres://jf@db/jobs?password=s3cret&sslmode=require") ==
        "postgres://jf@db/jobs?password=***&sslmode=require");
  CHECK(redacted_postgres_url("host=db user=jf password=s3cret dbname=jobs") ==
        "host=db user=jf password=*** dbname=jobs");
  CHECK(redacted_postgres_url("host=db password = 'a b\\' c' dbname=jobs") ==
        "host=db password = *** dbname=jobs");
  CHECK(redacted_postgres_url("host=/run/postgresql dbname=jobs") ==
        "host=/run/postgresql dbname=jobs");
}

TEST_CASE("postgres: a store fenced by an epoch writes nothing once another took over",
          "[store][postgres]") {
  scratch_database db;
  auto c = db.connect();
  { auto s = open_ok(db); }
  bump_epoch(c, 7);
  std::vector<std::string> fenced;  // what the store told its owner
  auto with_callback = options_for(db.url(), 7);
  with_callback.on_fenced = [&](const std::string& why) { fenced.push_back(why); };
  auto opened = open_postgres_store(with_callback);
  REQUIRE(opened.has_value());
  auto leader = std::move(opened).value();
  const job first = make_job(1, t0);
  put(*leader, first);
  CHECK(scalar(c, "SELECT count(*) FROM jobs") == 1);

  bump_epoch(c, 8);  // another coordinator took over
  const auto before = counts_vector(counts(*leader));
  auto refused = leader->apply(
      {put_job{share(make_job(2, t0))}, put_job{share(with_status(first, job_status::running))}});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error_value().code == error_code::conflict);
  CHECK_THAT(refused.error_value().message, Catch::Contains("another coordinator took over"));
  REQUIRE(fenced.size() == 1);
  CHECK_THAT(fenced[0], Catch::Contains("epoch 7 is no longer current"));
  CHECK(scalar(c, "SELECT count(*) FROM jobs") == 1);
  CHECK(scalar(c, "SELECT status FROM jobs") == static_cast<std::int64_t>(job_status::pending));
  CHECK(scalar(c, "SELECT count(*) FROM job_history") ==
        static_cast<std::int64_t>(first.history.size()));
  CHECK(counts_vector(counts(*leader)) == before);

  auto prune = leader->prune_finished(t0 + std::chrono::hours(24), 10);
  REQUIRE_FALSE(prune.has_value());
  CHECK(prune.error_value().code == error_code::conflict);
  CHECK(fenced.size() == 2);  // told again: every refused write says so

  // The new leader's store writes.
  auto successor = open_ok(db, 8);
  put(*successor, make_job(3, t0));
  CHECK(scalar(c, "SELECT count(*) FROM jobs") == 2);
}

TEST_CASE("postgres: a takeover waits for a transaction already past its fence",
          "[store][postgres]") {
  // The fence holds a shared advisory lock until its transaction ends; a
  // takeover bumps the epoch under the same lock, exclusively. So an old
  // leader's transaction that passed the fence commits before the new epoch
  // exists, never after it.
  scratch_database db;
  { auto s = open_ok(db); }
  auto old_leader = db.connect();
  auto taker = db.connect();
  bump_epoch(taker, 3);
  old_leader.exec("BEGIN");
  old_leader.exec("SELECT jobforge_fence(3)");
  taker.exec("SET lock_timeout = '200ms'");
  taker.exec("BEGIN");
  CHECK_THROWS_AS(
      taker.exec("SELECT pg_advisory_xact_lock(" + std::to_string(pg::epoch_lock_key) + ")"),
      pg::failure);
  taker.exec("ROLLBACK");
  old_leader.exec("COMMIT");
  taker.exec("SET lock_timeout = 0");
  bump_epoch(taker, 4);
  CHECK(scalar(taker, "SELECT epoch FROM jobforge_leader") == 4);
}

TEST_CASE("postgres: a session the server ended is opened again, and counts are read anew",
          "[store][postgres]") {
  scratch_database db;
  auto s = open_ok(db);
  auto c = db.connect();
  const auto end_sessions = [&] {
    c.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() +
           "' AND pid <> pg_backend_pid()");
  };
  const job a = make_job(1, t0);
  put(*s, a);
  end_sessions();  // an administrator, or a restart of the server
  const job b = make_job(2, t0);
  put(*s, b);
  CHECK(scalar(c, "SELECT count(*) FROM jobs") == 2);

  // A finished job written behind its back while its session was gone
  // shows in the counts it keeps.
  const std::string other = "00000000-0000-4000-8000-000000000099";
  const std::string completed = std::to_string(static_cast<int>(job_status::completed));
  c.exec("INSERT INTO jobs SELECT '" + other + "', type, " + completed +
         ", priority, tenant, created_at, created_at, NULL, NULL, tags, parents, run_at, "
         "next_attempt_at, dependency_rule, 0, replace(doc, '" +
         to_string(a.id) + "', '" + other + "') FROM jobs WHERE id = '" + to_string(a.id) + "'");
  end_sessions();
  CHECK(get(*s, a.id).has_value());
  const auto now = counts(*s);
  CHECK(now.of(job_status::pending) == 2);
  CHECK(now.of(job_status::completed) == 1);
}

TEST_CASE("postgres: histories are appended row by row and read back whole", "[store][postgres]") {
  scratch_database db;
  auto s = open_ok(db);
  auto c = db.connect();
  job j = make_job(1, t0);
  put(*s, j);
  j = with_status(j, job_status::running);
  put(*s, j);
  j = with_status(j, job_status::retrying);
  put(*s, j);
  j = with_status(j, job_status::retrying);
  put(*s, j);
  const auto rows = [&] { return scalar(c, "SELECT count(*) FROM job_history"); };
  CHECK(rows() == static_cast<std::int64_t>(j.history.size()));
  CHECK(fingerprint(*get(*s, j.id)) == fingerprint(j));

  // A store that has not seen the job (another coordinator's, a restart)
  // writes its whole history again, over the same rows.
  auto other = open_ok(db);
  j = with_status(j, job_status::running);
  put(*other, j);
  CHECK(rows() == static_cast<std::int64_t>(j.history.size()));
  CHECK(fingerprint(*get(*s, j.id)) == fingerprint(j));

  // A put with a shorter history replaces it: the rows past it are not read.
  job shorter = make_job(1, t0);
  put(*other, shorter);
  CHECK(fingerprint(*get(*s, j.id)) == fingerprint(shorter));

  // Erased jobs leave no rows behind.
  erase(*other, j.id);
  CHECK(rows() == 0);
}

TEST_CASE("postgres: filters PostgreSQL cannot hold match nothing instead of failing",
          "[store][postgres]") {
  scratch_database db;
  auto s = open_ok(db);
  put(*s, make_job(1, t0));
  for (const std::string& bad :
       {std::string("a\0b", 3), std::string("\xff\xfe"), std::string("\xc3")}) {
    job_query q;
    q.filter.type = bad;
    CHECK(list_ok(*s, q).items.empty());
    q.filter = {};
    q.filter.tag = bad;
    CHECK(list_ok(*s, q).items.empty());
    q.filter = {};
    q.filter.tenant = bad;
    CHECK(list_ok(*s, q).items.empty());
  }
}

TEST_CASE("postgres: a query streamed by a binary COPY comes whole and in order",
          "[store][postgres]") {
  scratch_database db;
  auto c = db.connect();
  for (const int rows : {0, 1, 2, 1000, 100'000}) {
    INFO(rows << " rows");
    std::int64_t seen = 0;
    bool in_order = true;
    c.copy_out(
        "SELECT g::bigint, (g % 30000)::smallint, NULL::integer, repeat('x', g % 7) FROM "
        "generate_series(1, " +
            std::to_string(rows) + ") g",
        [&](const pg::binary_row& r) {
          REQUIRE(r.size() == 4);
          in_order = in_order && r.integer(0) == seen + 1 && r.integer(1) == (seen + 1) % 30000 &&
                     !r.optional_integer(2) && r.is_null(2) &&
                     r.bytes(3) == std::string(static_cast<std::size_t>((seen + 1) % 7), 'x');
          ++seen;
        });
    CHECK(seen == rows);
    CHECK(in_order);
    CHECK(c.healthy());
    CHECK(scalar(c, "SELECT 41 + 1") == 42);  // the session is as it was
  }
  // Negative numbers keep their sign in every width; NULL is not a number.
  c.copy_out("SELECT -2::smallint, -70000::integer, -5000000000::bigint, NULL::bigint",
             [&](const pg::binary_row& r) {
               CHECK(r.integer(0) == -2);
               CHECK(r.integer(1) == -70000);
               CHECK(r.integer(2) == -5000000000);
               CHECK_THROWS_AS(r.integer(3), pg::failure);
             });

  // A failure half-way is thrown, by the server or by the reader; the
  // session is opened again before its next use.
  CHECK_THROWS_AS(c.copy_out("SELECT 10 / (50000 - g) FROM generate_series(1, 100000) g",
                             [](const pg::binary_row&) {}),
                  pg::failure);
  CHECK_FALSE(c.healthy());
  c.reconnect();
  CHECK(scalar(c, "SELECT 41 + 1") == 42);
  int calls = 0;
  CHECK_THROWS_AS(c.copy_out("SELECT g FROM generate_series(1, 100000) g",
                             [&](const pg::binary_row&) {
                               if (++calls == 10) throw std::runtime_error("cannot decode");
                             }),
                  std::runtime_error);
  CHECK_FALSE(c.healthy());
  c.reconnect();
  CHECK(scalar(c, "SELECT 41 + 1") == 42);
}

TEST_CASE("postgres: counts are exact whether a read of the unfinished jobs or a count made them",
          "[store][postgres]") {
  scratch_database db;
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 40; ++i)
    jobs.push_back(make_job(i + 1, at_second(i), all_job_statuses[(i * 3) % 8]));
  {
    auto writer = open_ok(db);
    put_all(*writer, jobs);
  }
  const auto wanted = [&] { return expected_counts(jobs); };

  // Counted on demand.
  CHECK(counts_vector(counts(*open_ok(db))) == wanted());
  // Counted by the reads of recovery.
  {
    auto s = open_ok(db);
    REQUIRE(s->load_unfinished_summaries().has_value());
    CHECK(counts_vector(counts(*s)) == wanted());
  }
  {
    auto s = open_ok(db);
    REQUIRE(s->load_unfinished().has_value());
    CHECK(counts_vector(counts(*s)) == wanted());
  }
  // A write before anything was counted, then a read that must not count again.
  {
    auto s = open_ok(db);
    const std::size_t pending = static_cast<std::size_t>(job_status::pending);
    auto it = std::find_if(jobs.begin(), jobs.end(),
                           [](const job& j) { return j.status == job_status::pending; });
    REQUIRE(it != jobs.end());
    *it = with_status(*it, job_status::running);
    put(*s, *it);
    REQUIRE(s->load_unfinished_summaries().has_value());
    CHECK(counts_vector(counts(*s)) == wanted());
    CHECK(counts(*s).by_status[pending] == expected_counts(jobs)[pending]);
  }
  // A read, then writes, then a prune.
  {
    auto s = open_ok(db);
    REQUIRE(s->load_unfinished_summaries().has_value());
    jobs[0] = with_status(jobs[0], job_status::canceled);
    jobs[0].finished_at = at_second(1);
    put(*s, jobs[0]);
    apply_ok(*s, {erase_job{jobs[1].id}});
    jobs.erase(jobs.begin() + 1);
    CHECK(counts_vector(counts(*s)) == wanted());
    auto pruned = s->prune_finished(at_second(100'000), 1000);
    REQUIRE(pruned.has_value());
    jobs.erase(std::remove_if(jobs.begin(), jobs.end(),
                              [&](const job& j) {
                                return std::find(pruned->begin(), pruned->end(), j.id) !=
                                       pruned->end();
                              }),
               jobs.end());
    CHECK(counts_vector(counts(*s)) == wanted());
  }
}

TEST_CASE("postgres: readers read what the store committed, each on a session of its own",
          "[store][postgres]") {
  scratch_database db;
  auto o = options_for(db.url(), std::nullopt);
  o.readers = 2;
  auto opened = open_postgres_store(o);
  REQUIRE(opened);
  auto& s = *opened.value();
  auto c = db.connect();
  const auto sessions = [&] {
    return scalar(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                         "' AND pid <> pg_backend_pid()");
  };
  const auto before = sessions();
  auto readers = s.open_readers();
  REQUIRE(readers);
  REQUIRE(readers->size() == 2);
  CHECK(sessions() == before + 2);

  const job a = with_status(make_job(1, t0), job_status::running);
  const job b = make_job(2, t0 + std::chrono::seconds(1));
  put(s, a);
  put(s, b);
  auto& first = *readers.value()[0];
  auto& second = *readers.value()[1];
  auto got = first.get(a.id);
  REQUIRE(got);
  REQUIRE(got.value().has_value());
  CHECK(got.value()->status == job_status::running);
  CHECK(got.value()->history.size() == a.history.size());
  auto none = second.get(make_job(3, t0).id);
  REQUIRE(none);
  CHECK_FALSE(none.value().has_value());
  auto page = second.list(job_query{});
  REQUIRE(page);
  REQUIRE(page->items.size() == 2);
  CHECK(page->items[0].id == b.id);  // newest first
  job_query bad;
  bad.cursor = "not a cursor";
  auto refused = first.list(bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().code == error_code::invalid_argument);

  // A reader whose session the server ended opens another.
  c.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() +
         "' AND pid <> pg_backend_pid()");
  got = first.get(b.id);
  REQUIRE(got);
  CHECK(got.value().has_value());

  // Without a pool, a store opens no reader: the store writer reads.
  auto plain = open_ok(db);
  auto no_readers = plain->open_readers();
  REQUIRE(no_readers);
  CHECK(no_readers->empty());
}

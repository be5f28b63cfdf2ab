// The leader lease of coordinators sharing one PostgreSQL database: who may
// take it, renew it and let it go, and that a takeover through it fences
// the old leader's store. Each test case has a database of its own in the
// run's throwaway server; expiry is simulated by moving `expires_at` into
// the past with SQL, never by waiting for it.
#include "store/postgres/leader_lease.hpp"
#include "../support/postgres_scratch.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store_conformance_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;
using jobforge::testing_support::scratch_database;

namespace {

const std::chrono::milliseconds lease_length = 30s;

lease_identity alpha() {
  return {"alpha", "boot-a1", "http://127.0.0.1:8081", "127.0.0.1:9091"};
}

lease_identity beta() {
  return {"beta", "boot-b1", "https://10.0.0.2:8443", ""};
}

std::int64_t scalar(pg::connection& c, const std::string& sql) {
  auto r = c.exec(sql);
  REQUIRE(r.rows() == 1);
  return r.integer(0, 0);
}

std::string text(pg::connection& c, const std::string& sql) {
  auto r = c.exec(sql);
  REQUIRE(r.rows() == 1);
  return std::string(r.text(0, 0));
}

/// The lease expires now, as if its holder had stopped renewing it.
void expire(pg::connection& c) {
  c.exec("UPDATE jobforge_leader SET expires_at = clock_timestamp() - interval '1 ms'");
}

/// Takes the lease, failing the test unless a new epoch was granted.
std::int64_t acquire_ok(leader_lease& lease) {
  auto taken = lease.try_acquire();
  INFO((taken ? std::string("ok") : to_string(taken.error_value())));
  REQUIRE(taken.has_value());
  REQUIRE(taken->has_value());
  return **taken;
}

/// Asks for the lease, failing the test unless it was refused (held elsewhere).
void refused(leader_lease& lease) {
  auto taken = lease.try_acquire();
  INFO((taken ? std::string("ok") : to_string(taken.error_value())));
  REQUIRE(taken.has_value());
  CHECK_FALSE(taken->has_value());
}

lease_state current_ok(leader_lease& lease) {
  auto s = lease.current();
  INFO((s ? std::string("ok") : to_string(s.error_value())));
  REQUIRE(s.has_value());
  return *s;
}

void renew_ok(leader_lease& lease, std::int64_t epoch) {
  auto r = lease.renew(epoch);
  INFO((r ? std::string("ok") : to_string(r.error_value())));
  CHECK(r.has_value());
}

void renew_conflicts(leader_lease& lease, std::int64_t epoch) {
  auto r = lease.renew(epoch);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error_value().code == error_code::conflict);
  CHECK_THAT(r.error_value().message, Catch::Contains("epoch " + std::to_string(epoch)));
}

void check_names(const lease_state& s, const lease_identity& who, std::int64_t epoch) {
  CHECK(s.epoch == epoch);
  CHECK(s.holder == who.holder);
  CHECK(s.boot_id == who.boot_id);
  CHECK(s.held_by(who));
  CHECK(s.http_address == who.http_address);
  CHECK(s.cluster_address == who.cluster_address);
}

// The lease row's expiry as text, to see that a refused call left it alone.
std::string expiry(pg::connection& c) {
  return text(c, "SELECT expires_at::text FROM jobforge_leader");
}

std::unique_ptr<store> open_fenced(const scratch_database& db, std::int64_t epoch) {
  postgres_options o;
  o.url = db.url();
  o.epoch = epoch;
  auto opened = open_postgres_store(o);
  INFO((opened ? std::string("ok") : to_string(opened.error_value())));
  REQUIRE(opened.has_value());
  return std::move(opened).value();
}

expected<void> put(store& s, const job& j) {
  return s.apply({put_job{std::make_shared<const job>(j)}});
}

}  // namespace

TEST_CASE("lease: the first coordinator on a fresh database takes epoch 1",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);  // migrates the fresh database
  auto c = db.connect();
  CHECK(scalar(c, "SELECT epoch FROM jobforge_leader") == 0);
  const auto before = current_ok(a);
  CHECK(before.epoch == 0);
  CHECK_FALSE(before.holder.has_value());
  CHECK_FALSE(before.held_by(a.identity()));

  CHECK(acquire_ok(a) == 1);
  const auto now = current_ok(a);
  check_names(now, alpha(), 1);
  CHECK(now.remaining > lease_length - 10s);
  CHECK(now.remaining <= lease_length);
  CHECK(scalar(c, "SELECT epoch FROM jobforge_leader") == 1);
  renew_ok(a, 1);
}

TEST_CASE("lease: a second coordinator is refused while the lease is held, and told who holds it",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  REQUIRE(acquire_ok(a) == 1);
  auto c = db.connect();
  const auto expires = expiry(c);

  refused(b);
  refused(b);  // asking again changes nothing either
  const auto seen = current_ok(b);
  check_names(seen, alpha(), 1);
  CHECK_FALSE(seen.held_by(b.identity()));
  CHECK(seen.remaining > 0ms);
  CHECK(expiry(c) == expires);
  renew_conflicts(b, 1);  // b cannot renew a's lease under its epoch
  CHECK(expiry(c) == expires);
  renew_ok(a, 1);
}

TEST_CASE("lease: after it expires the second takes epoch 2 and the first can no longer renew",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  REQUIRE(acquire_ok(a) == 1);
  auto c = db.connect();
  expire(c);

  SECTION("an expired lease is not renewed, even before anyone took it") {
    renew_conflicts(a, 1);
    CHECK(current_ok(a).remaining < 0ms);
    CHECK(acquire_ok(b) == 2);
  }
  SECTION("the standby takes it over") {
    CHECK(acquire_ok(b) == 2);
  }
  const auto now = current_ok(a);
  check_names(now, beta(), 2);
  CHECK(now.remaining > lease_length - 10s);
  renew_conflicts(a, 1);
  renew_conflicts(a, 2);  // the new epoch is not a's either
  refused(a);
  renew_ok(b, 2);
  check_names(current_ok(b), beta(), 2);
}

TEST_CASE("lease: a restarted process with the same name but a new boot id renews nothing",
          "[store][postgres][lease]") {
  // Oban #1488, River #197: a node that restarts (or wakes from a pause)
  // under the same name must not keep a lease its earlier life held.
  scratch_database db;
  leader_lease before_restart(db.url(), alpha(), lease_length);
  auto restarted_identity = alpha();
  restarted_identity.boot_id = "boot-a2";
  leader_lease after_restart(db.url(), restarted_identity, lease_length);
  REQUIRE(acquire_ok(before_restart) == 1);
  auto c = db.connect();
  c.exec("UPDATE jobforge_leader SET expires_at = clock_timestamp() + interval '20 seconds'");
  const auto expires = expiry(c);

  renew_conflicts(after_restart, 1);
  refused(after_restart);
  REQUIRE(after_restart.release(1).has_value());
  CHECK(expiry(c) == expires);
  const auto seen = current_ok(after_restart);
  CHECK(seen.held_by(before_restart.identity()));
  CHECK_FALSE(seen.held_by(after_restart.identity()));

  expire(c);
  CHECK(acquire_ok(after_restart) == 2);
  renew_conflicts(before_restart, 1);
  renew_conflicts(before_restart, 2);  // same name and epoch, other boot id
  check_names(current_ok(before_restart), restarted_identity, 2);
}

TEST_CASE("lease: a renewal extends the lease by its duration from now",
          "[store][postgres][lease]") {
  scratch_database db;
  const auto long_lease = std::chrono::milliseconds(10min);
  leader_lease a(db.url(), alpha(), long_lease);
  REQUIRE(acquire_ok(a) == 1);
  auto c = db.connect();
  c.exec("UPDATE jobforge_leader SET expires_at = clock_timestamp() + interval '10 seconds'");
  const auto short_left = current_ok(a).remaining;
  CHECK(short_left > 0ms);
  CHECK(short_left <= 10s);
  const auto renewed_before = text(c, "SELECT renewed_at::text FROM jobforge_leader");

  renew_ok(a, 1);
  const auto after = current_ok(a);
  CHECK(after.remaining > long_lease - 1min);
  CHECK(after.remaining <= long_lease);
  CHECK(after.epoch == 1);  // a renewal keeps the epoch
  CHECK(text(c, "SELECT renewed_at::text FROM jobforge_leader") != renewed_before);
  CHECK(scalar(c, "SELECT count(*) FROM jobforge_leader WHERE expires_at > renewed_at") == 1);
}

TEST_CASE("lease: a release lets another take over at once: one by a non-holder changes nothing",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  REQUIRE(acquire_ok(a) == 1);
  auto c = db.connect();
  const auto expires = expiry(c);

  REQUIRE(b.release(1).has_value());  // not b's
  REQUIRE(a.release(0).has_value());  // not the current epoch
  REQUIRE(a.release(2).has_value());
  CHECK(expiry(c) == expires);
  refused(b);
  renew_ok(a, 1);

  REQUIRE(a.release(1).has_value());
  CHECK(current_ok(b).remaining <= 0ms);
  renew_conflicts(a, 1);  // a released lease is not taken back by renewing it
  CHECK(acquire_ok(b) == 2);
  check_names(current_ok(a), beta(), 2);
  REQUIRE(a.release(1).has_value());  // a late release of the old epoch
  check_names(current_ok(a), beta(), 2);
  CHECK(current_ok(a).remaining > 0ms);
  renew_ok(b, 2);
}

TEST_CASE("lease: of coordinators racing for an expired lease exactly one wins",
          "[store][postgres][lease]") {
  scratch_database db;
  constexpr int racers = 6;
  constexpr int rounds = 5;
  std::vector<std::unique_ptr<leader_lease>> leases;
  for (int i = 0; i < racers; ++i)
    leases.push_back(std::make_unique<leader_lease>(
        db.url(),
        lease_identity{"node-" + std::to_string(i), "boot-" + std::to_string(i),
                       "http://127.0.0.1:" + std::to_string(8000 + i), ""},
        lease_length));
  REQUIRE(acquire_ok(*leases[0]) == 1);
  auto c = db.connect();

  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    expire(c);
    std::promise<void> go;
    const std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<expected<std::optional<std::int64_t>>>> answers;
    for (auto& lease : leases)
      answers.push_back(std::async(std::launch::async, [start, l = lease.get()] {
        start.wait();
        return l->try_acquire();
      }));
    go.set_value();
    std::vector<int> winners;
    std::int64_t won = 0;
    for (int i = 0; i < racers; ++i) {
      REQUIRE(answers[i].wait_for(30s) == std::future_status::ready);
      auto a = answers[i].get();
      INFO((a ? std::string("ok") : to_string(a.error_value())));
      REQUIRE(a.has_value());
      if (a->has_value()) {
        winners.push_back(i);
        won = **a;
      }
    }
    REQUIRE(winners.size() == 1);
    CHECK(won == round + 2);
    const auto& winner = *leases[static_cast<std::size_t>(winners[0])];
    check_names(current_ok(*leases[0]), winner.identity(), won);
    CHECK(scalar(c, "SELECT epoch FROM jobforge_leader") == won);
  }
}

TEST_CASE("lease: a store fenced by the old epoch writes nothing after a takeover",
          "[store][postgres][lease]") {
  using conformance::make_job;
  using conformance::t0;
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  const auto old_epoch = acquire_ok(a);
  auto old_leader = open_fenced(db, old_epoch);
  const job first = make_job(1, t0);
  REQUIRE(put(*old_leader, first).has_value());
  auto c = db.connect();
  REQUIRE(scalar(c, "SELECT count(*) FROM jobs") == 1);

  expire(c);
  const auto new_epoch = acquire_ok(b);
  REQUIRE(new_epoch == old_epoch + 1);
  job changed = first;
  changed.status = job_status::running;
  auto refused_write = put(*old_leader, changed);
  REQUIRE_FALSE(refused_write.has_value());
  CHECK(refused_write.error_value().code == error_code::conflict);
  auto refused_insert = put(*old_leader, make_job(2, t0));
  REQUIRE_FALSE(refused_insert.has_value());
  CHECK(refused_insert.error_value().code == error_code::conflict);
  CHECK(scalar(c, "SELECT count(*) FROM jobs") == 1);
  CHECK(scalar(c, "SELECT status FROM jobs") == static_cast<std::int64_t>(job_status::pending));

  auto new_leader = open_fenced(db, new_epoch);
  REQUIRE(put(*new_leader, changed).has_value());
  CHECK(scalar(c, "SELECT status FROM jobs") == static_cast<std::int64_t>(job_status::running));
}

TEST_CASE("lease: a takeover waits for an old leader's transaction that passed its fence",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  REQUIRE(acquire_ok(a) == 1);
  auto old_leader = db.connect();
  auto observer = db.connect();
  old_leader.exec("BEGIN");
  old_leader.exec("SELECT jobforge_fence(1)");
  expire(observer);

  auto taking = std::async(std::launch::async, [&b] { return b.try_acquire(); });
  // The taker waits on the epoch lock the fence holds shared; bounded poll.
  const std::string waiting_sql =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
      "database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (scalar(observer, waiting_sql) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  REQUIRE(scalar(observer, waiting_sql) == 1);
  CHECK(taking.wait_for(0s) == std::future_status::timeout);
  CHECK(scalar(observer, "SELECT epoch FROM jobforge_leader") == 1);

  old_leader.exec("COMMIT");  // under epoch 1, before the takeover
  REQUIRE(taking.wait_for(30s) == std::future_status::ready);
  auto taken = taking.get();
  REQUIRE(taken.has_value());
  CHECK(*taken == std::optional<std::int64_t>{2});
  CHECK_THROWS_WITH(old_leader.exec("BEGIN; SELECT jobforge_fence(1); COMMIT"),
                    Catch::Contains("epoch 1 is no longer current"));
}

TEST_CASE("lease: a takeover that waits longer than a lease for the epoch lock gives up, unchanged",
          "[store][postgres][lease]") {
  // An old leader's transaction that stays open (its process paused or cut
  // off half-way through a pipeline) holds the epoch lock shared: the
  // standby's attempt answers `unavailable` after a lease's length instead
  // of hanging (its loop must go on: signals, what its HTTP port says), and
  // takes the lease once that transaction has ended.
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), 300ms);
  REQUIRE(acquire_ok(a) == 1);
  auto old_leader = db.connect();
  auto observer = db.connect();
  old_leader.exec("BEGIN");
  old_leader.exec("SELECT jobforge_fence(1)");
  expire(observer);

  auto taking = std::async(std::launch::async, [&b] { return b.try_acquire(); });
  const bool answered = taking.wait_for(20s) == std::future_status::ready;
  old_leader.exec("ROLLBACK");  // also lets a hanging attempt end
  REQUIRE(answered);
  auto taken = taking.get();
  REQUIRE_FALSE(taken.has_value());
  CHECK(taken.error_value().code == error_code::unavailable);
  CHECK_THAT(taken.error_value().message,
             Catch::Contains("take the leader lease") && Catch::Contains("300 ms"));
  CHECK(scalar(observer, "SELECT epoch FROM jobforge_leader") == 1);
  check_names(current_ok(b), alpha(), 1);

  CHECK(acquire_ok(b) == 2);
}

TEST_CASE(
    "lease: a leader paused inside a transaction is cut off after a lease, and the standby "
    "takes over",
    "[store][postgres][lease]") {
  // Its store's session has the lease as idle-in-transaction limit (what
  // serve gives a leader's store): the server ends the session whose
  // process stopped between the statements of a write, and the epoch lock
  // it held goes with it. Without the limit the takeover above would wait
  // for as long as the process stays paused.
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), 300ms);
  REQUIRE(acquire_ok(a) == 1);
  pg::connection old_leader(db.url(), pg::session_limits(300ms));
  auto observer = db.connect();
  CHECK(text(old_leader, "SHOW idle_in_transaction_session_timeout") == "300ms");
  old_leader.exec("BEGIN");
  old_leader.exec("SELECT jobforge_fence(1)");  // then nothing: the process is paused
  expire(observer);

  std::optional<std::int64_t> epoch;
  std::vector<error_code> refusals;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!epoch && std::chrono::steady_clock::now() < deadline) {
    auto taken = b.try_acquire();
    if (taken && *taken) epoch = **taken;
    if (!taken) refusals.push_back(taken.error_value().code);
  }
  REQUIRE(epoch);
  CHECK(*epoch == 2);
  for (auto code : refusals)
    CHECK(code == error_code::unavailable);  // waited for the lock, then tried again
  // The paused leader's session is gone: it cannot write when it wakes up.
  CHECK_THROWS_AS(old_leader.exec("SELECT jobforge_fence(1)"), pg::failure);
  CHECK_FALSE(old_leader.healthy());
}

TEST_CASE("lease: a session's limits hold on each session it opens again",
          "[store][postgres][lease]") {
  scratch_database db;
  pg::connection c(db.url(), pg::session_limits(1500ms));
  CHECK(text(c, "SHOW idle_in_transaction_session_timeout") == "1500ms");
  auto observer = db.connect();
  observer.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  CHECK_THROWS_AS(c.exec("SELECT 1"), pg::failure);
  c.reconnect();
  CHECK(text(c, "SHOW idle_in_transaction_session_timeout") == "1500ms");
  pg::connection unlimited(db.url(), pg::session_limits(0ms));
  CHECK(text(unlimited, "SHOW idle_in_transaction_session_timeout") == "0");
}

TEST_CASE("lease: a session the server ended is opened again for the next call",
          "[store][postgres][lease]") {
  scratch_database db;
  leader_lease a(db.url(), alpha(), lease_length);
  leader_lease b(db.url(), beta(), lease_length);
  REQUIRE(acquire_ok(a) == 1);
  auto c = db.connect();
  // Ends the sessions of this database but the observer's (those that were
  // opened again since the last time), as a server restart would.
  const auto end_sessions = [&](std::int64_t open) {
    const std::string others =
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    CHECK(scalar(c, "SELECT count(pg_terminate_backend(pid)) " + others) == open);
    // Gone before the next call (bounded): none is counted twice.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (scalar(c, "SELECT count(*) " + others) > 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    REQUIRE(scalar(c, "SELECT count(*) " + others) == 0);
  };
  end_sessions(2);
  renew_ok(a, 1);
  refused(b);  // the pipelined take, on a session of its own again
  end_sessions(2);
  check_names(current_ok(b), alpha(), 1);
  expire(c);
  CHECK(acquire_ok(b) == 2);
  end_sessions(1);
  renew_conflicts(a, 1);  // reconnected, and still told the truth
  REQUIRE(a.release(1).has_value());
  end_sessions(1);
  REQUIRE(b.release(2).has_value());
  CHECK(current_ok(a).remaining <= 0ms);
}

TEST_CASE("lease: an unreachable database fails clearly and never shows the password",
          "[store][postgres][lease]") {
  SECTION("the constructor throws") {
    try {
      leader_lease lease(
          "host=/nonexistent/jobforge user=jobforge password=hunter2 "
          "connect_timeout=2",
          alpha(), lease_length);
      FAIL("the lease connected to a server that does not exist");
    } catch (const pg::failure& f) {
      CHECK_THAT(f.what(), Catch::Contains("cannot connect") && !Catch::Contains("hunter2"));
    }
  }
  SECTION("calls answer unavailable once the database went away") {
    auto db = std::make_unique<scratch_database>();
    // The test server trusts every local user, so the password is ignored.
    leader_lease lease(db->url() + " password=hunter2", alpha(), lease_length);
    REQUIRE(acquire_ok(lease) == 1);
    db.reset();  // dropped, its sessions ended: reconnecting fails too
    const auto check_unavailable = [](const error& e) {
      CHECK(e.code == error_code::unavailable);
      CHECK_THAT(e.message, !Catch::Contains("hunter2"));
      CHECK_THAT(to_string(e), !Catch::Contains("hunter2"));
    };
    auto taken = lease.try_acquire();
    REQUIRE_FALSE(taken.has_value());
    check_unavailable(taken.error_value());
    CHECK_THAT(taken.error_value().message, Catch::Contains("take the leader lease"));
    auto renewed = lease.renew(1);
    REQUIRE_FALSE(renewed.has_value());
    check_unavailable(renewed.error_value());
    auto released = lease.release(1);
    REQUIRE_FALSE(released.has_value());
    check_unavailable(released.error_value());
    auto now = lease.current();
    REQUIRE_FALSE(now.has_value());
    check_unavailable(now.error_value());
  }
}

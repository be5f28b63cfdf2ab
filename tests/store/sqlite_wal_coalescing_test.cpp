// The SQLite store's file handling: commits gathered into one write each
// (wal_write_coalescing.hpp) are still on the file system's side when the
// commit returns, and a file is owned by one process at a time.
#include "../support/temp_dir.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/wal_write_coalescing.hpp"
#include "store_conformance_support.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

namespace {

using namespace jobforge;
using namespace jobforge::conformance;
using jobforge::testing_support::temp_dir;

std::unique_ptr<store> open_ok(const std::string& path, sqlite_sync sync) {
  auto opened = open_sqlite_store({path, sync});
  INFO((opened ? std::string() : to_string(opened.error_value())));
  REQUIRE(opened.has_value());
  return std::move(opened).value();
}

constexpr std::uint64_t one_by_one = 40;
constexpr std::uint64_t in_one_batch = 3000;  // several MiB of log: gathered in pieces

// In a child process: commits `one_by_one` jobs one per transaction, then
// `in_one_batch` in one, then is killed at once (no close, no checkpoint).
// Exits 1 if a commit failed.
[[noreturn]] void commit_then_die(const std::string& path, sqlite_sync sync) {
  auto opened = open_sqlite_store({path, sync});
  if (!opened) _exit(1);
  auto& s = **opened;
  for (std::uint64_t n = 1; n <= one_by_one; ++n)
    if (!s.apply({put_job{share(make_job(n, at_second(n)))}})) _exit(1);
  std::vector<store_write> batch;
  for (std::uint64_t n = 1; n <= in_one_batch; ++n)
    batch.push_back(put_job{share(make_job(1'000 + n, at_second(n), job_status::running))});
  if (!s.apply(batch)) _exit(1);
  raise(SIGKILL);
  _exit(2);
}

}  // namespace

TEST_CASE("sqlite: every commit is in the file when it returns, though gathered into one write",
          "[store][sqlite]") {
  for (auto sync : {sqlite_sync::normal, sqlite_sync::full}) {
    INFO("synchronous level " << static_cast<int>(sync));
    temp_dir dir;
    const auto path = dir.file("jobs.db");
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) commit_then_die(path, sync);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    auto s = open_ok(path, sync);
    const auto c = counts(*s);
    CHECK(c.of(job_status::pending) == one_by_one);
    CHECK(c.of(job_status::running) == in_one_batch);
    auto unfinished = s->load_unfinished();
    REQUIRE(unfinished.has_value());
    CHECK(unfinished->size() == one_by_one + in_one_batch);
    const auto first = get(*s, make_id(1));
    REQUIRE(first.has_value());
    CHECK(fingerprint(*first) == fingerprint(make_job(1, at_second(1))));
  }
}

TEST_CASE("sqlite: a small commit reaches the file in one write, not two per page",
          "[store][sqlite]") {
  temp_dir dir;
  auto s = open_ok(dir.file("jobs.db"), sqlite_sync::normal);
  put(*s, make_job(1, t0));  // the log's header, written once
  const auto before = sqlite::wal_coalescing_counts();
  constexpr std::uint64_t commits = 50;
  for (std::uint64_t n = 2; n < 2 + commits; ++n)
    put(*s, make_job(n, at_second(n)));
  const auto after = sqlite::wal_coalescing_counts();
  // Each commit writes the row's page and one page of each index: at
  // least two frames, so four writes reach SQLite's file layer.
  CHECK(after.received - before.received >= 4 * commits);
  CHECK(after.issued - before.issued <= commits);
}

TEST_CASE("sqlite: a file in use by another store is refused with a clear message",
          "[store][sqlite]") {
  temp_dir dir;
  const auto path = dir.file("jobs.db");
  auto first = open_ok(path, sqlite_sync::full);
  put(*first, make_job(1, t0));
  auto second = open_sqlite_store({path, sqlite_sync::full});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error_value().code == error_code::unavailable);
  CHECK_THAT(second.error_value().message, Catch::Contains("in use by another process"));
  CHECK(counts(*first).of(job_status::pending) == 1);
  put(*first, make_job(2, t0));  // the first is not disturbed
  first.reset();
  auto again = open_ok(path, sqlite_sync::full);
  CHECK(counts(*again).of(job_status::pending) == 2);
}

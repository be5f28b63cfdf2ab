// store_bench: the SQLite store alone, no actors: what one write costs the
// store writer. N `noop` jobs go through the writes the runtime makes of
// each (the submission's insert, `running`, `completed`), B writes per
// transaction, as the group commit batches them. Prints microseconds per
// write for each kind, so that a change to the schema or to the encoding of
// a row is measured without the noise of a whole runtime.
//
//   store_bench [--jobs N] [--batch B] [--sync off|normal|full] [--dir DIR]

#include "model/job.hpp"
#include "model/job_id.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace jobforge;
using steady = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "store_bench: %s\n", why.c_str());
  std::exit(2);
}

struct options {
  long jobs = 100'000;
  long batch = 1'000;
  sqlite_sync sync = sqlite_sync::off;
  std::string dir;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--jobs")
      o.jobs = std::atol(v.c_str());
    else if (a == "--batch")
      o.batch = std::atol(v.c_str());
    else if (a == "--sync" && parse_sqlite_sync(v))
      o.sync = *parse_sqlite_sync(v);
    else if (a == "--dir")
      o.dir = v;
    else
      die("usage: store_bench [--jobs N] [--batch B] [--sync off|normal|full] [--dir DIR]");
  }
  if (o.jobs < 1 || o.jobs > 10'000'000 || o.batch < 1 || o.batch > 100'000)
    die("--jobs must be 1..10000000 and --batch 1..100000");
  return o;
}

job new_job(random_source& rng, timestamp now) {
  job j;
  j.id = job_id::generate(rng);
  j.type = "noop";
  j.payload = boost::json::object{};
  j.tenant = "default";
  j.created_at = j.updated_at = now;
  j.history.push_back({now, std::nullopt, job_status::pending, 0, {}, {}, "submitted"});
  return j;
}

// Applies every job's snapshot after `step` in batches; microseconds per write.
template <class Step>
double run_phase(store& s, std::vector<job>& jobs, long batch, Step step) {
  const auto started = steady::now();
  std::vector<store_write> writes;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    step(jobs[i]);
    writes.push_back(put_job{std::make_shared<const job>(jobs[i])});
    if (writes.size() == static_cast<std::size_t>(batch) || i + 1 == jobs.size()) {
      if (auto ok = s.apply(writes); !ok) die("apply: " + ok.error_value().message);
      writes.clear();
    }
  }
  const std::chrono::duration<double, std::micro> took = steady::now() - started;
  return took.count() / static_cast<double>(jobs.size());
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  namespace fs = std::filesystem;
  const fs::path dir =
      o.dir.empty() ? fs::temp_directory_path() / ("store_bench." + std::to_string(::getpid()))
                    : fs::path(o.dir);
  fs::create_directories(dir);
  const fs::path db = dir / "jobs.db";
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
  auto opened = open_sqlite_store({db.string(), o.sync});
  if (!opened) die("open: " + opened.error_value().message);
  auto& s = *opened.value();

  auto rng = make_seeded_random(11);
  const timestamp t0 = from_unix_ms(1'790'000'000'000);
  std::vector<job> jobs;
  jobs.reserve(static_cast<std::size_t>(o.jobs));
  for (long i = 0; i < o.jobs; ++i)
    jobs.push_back(new_job(*rng, t0 + std::chrono::milliseconds(i / 10)));

  std::printf("store_bench: %ld jobs, %ld writes per transaction, sync %s, %s\n", o.jobs, o.batch,
              o.sync == sqlite_sync::off      ? "off"
              : o.sync == sqlite_sync::normal ? "normal"
                                              : "full",
              db.c_str());
  long k = 0;
  const double insert = run_phase(s, jobs, o.batch, [](job&) {});
  const double running = run_phase(s, jobs, o.batch, [&](job& j) {
    if (!transition(j, job_status::running, t0 + std::chrono::milliseconds(++k)))
      die("running refused");
  });
  const double completed = run_phase(s, jobs, o.batch, [&](job& j) {
    if (!transition(j, job_status::completed, t0 + std::chrono::milliseconds(++k)))
      die("completed refused");
  });
  std::printf(
      "  insert     %6.2f us/write\n  running    %6.2f us/write\n"
      "  completed  %6.2f us/write\n  per job    %6.2f us (all three)\n",
      insert, running, completed, insert + running + completed);
  if (o.dir.empty()) fs::remove_all(dir);
  return 0;
}

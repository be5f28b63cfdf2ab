// store_bench: a store alone, no actors: what one write costs the store
// writer. N `noop` jobs go through the writes the runtime makes of each (the
// submission's insert, `running`, `completed`), B writes per transaction, as
// the group commit batches them, then are erased (retention). Prints
// microseconds per write for each kind, so that a change to the schema or to
// the encoding of a row is measured without the noise of a whole runtime.
// Between the insert and `running`, while all N wait, it also times the
// reads recovery makes (summaries of the unfinished jobs, the whole jobs).
//
// The store is opened through the store factory, as `serve` opens it:
//   --store sqlite (default): a fresh DIR/jobforge.db, synchronous=--sync
//   --store postgres --url URL: a libpq connection string (default
//     $JOBFORGE_POSTGRES_URL); the jobs are added to what the database
//     holds (use an empty one: bench/pg-bench-server fresh) and erased at the
//     end. The server's durability is its own (synchronous_commit can be
//     set per session in the URL: options='-c synchronous_commit=off').
//
// Ids are time-ordered (version 7), as the runtime makes them, one new
// millisecond per ten jobs; `--ids v4` makes them random, as they were
// before, to measure what the order of the primary key is worth.
//
//   store_bench [--store sqlite|postgres] [--jobs N] [--batch B]
//               [--sync off|normal|full] [--dir DIR] [--url URL] [--ids v7|v4]

#include "bench_support.hpp"
#include "model/job.hpp"
#include "model/job_id.hpp"
#include "store/store_factory.hpp"

#include <boost/json.hpp>

#include <unistd.h>

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
  std::string store = "sqlite";
  long jobs = 100'000;
  long batch = 1'000;
  std::string sync = "off";
  std::string dir;
  std::string url;
  bool time_ordered_ids = true;
};

options parse(int argc, char** argv) {
  options o;
  if (const char* url = std::getenv("JOBFORGE_POSTGRES_URL")) o.url = url;
  const char* usage =
      "usage: store_bench [--store sqlite|postgres] [--jobs N] [--batch B] "
      "[--sync off|normal|full] [--dir DIR] [--url URL] [--ids v7|v4]";
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) die(usage);
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--store" && (v == "sqlite" || v == "postgres"))
      o.store = v;
    else if (a == "--jobs")
      o.jobs = std::atol(v.c_str());
    else if (a == "--batch")
      o.batch = std::atol(v.c_str());
    else if (a == "--sync")
      o.sync = v;
    else if (a == "--dir")
      o.dir = v;
    else if (a == "--url")
      o.url = v;
    else if (a == "--ids" && (v == "v7" || v == "v4"))
      o.time_ordered_ids = v == "v7";
    else
      die(usage);
  }
  if (o.jobs < 1 || o.jobs > 10'000'000 || o.batch < 1 || o.batch > 100'000)
    die("--jobs must be 1..10000000 and --batch 1..100000");
  if (o.store == "postgres" && o.url.empty())
    die("--store postgres needs --url or JOBFORGE_POSTGRES_URL");
  return o;
}

job new_job(random_source& rng, timestamp now, bool time_ordered_id) {
  job j;
  j.id = time_ordered_id ? job_id::generate_time_ordered(rng, now) : job_id::generate(rng);
  j.type = "noop";
  j.payload = boost::json::object{};
  j.tenant = "default";
  j.created_at = j.updated_at = now;
  j.history.push_back({now, std::nullopt, job_status::pending, 0, {}, {}, "submitted"});
  return j;
}

double micros_since(steady::time_point started, std::size_t per) {
  const std::chrono::duration<double, std::micro> took = steady::now() - started;
  return took.count() / static_cast<double>(per);
}

// Applies one write per job (`make` builds it after `step`) in batches of
// `batch`; microseconds per write.
template <class Step, class Make>
double run_phase(store& s, std::vector<job>& jobs, long batch, Step step, Make make) {
  const auto started = steady::now();
  std::vector<store_write> writes;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    step(jobs[i]);
    writes.push_back(make(jobs[i]));
    if (writes.size() == static_cast<std::size_t>(batch) || i + 1 == jobs.size()) {
      if (auto ok = s.apply(writes); !ok) die("apply: " + ok.error_value().message);
      writes.clear();
    }
  }
  return micros_since(started, jobs.size());
}

store_write put(const job& j) {
  return put_job{std::make_shared<const job>(j)};
}

std::size_t total(const status_counts& c) {
  std::size_t n = 0;
  for (auto v : c.by_status)
    n += v;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  namespace fs = std::filesystem;
  store_settings settings;
  settings.kind = o.store;
  fs::path dir;
  if (o.store == "sqlite") {
    dir = o.dir.empty() ? fs::temp_directory_path() / ("store_bench." + std::to_string(::getpid()))
                        : fs::path(o.dir);
    fs::create_directories(dir);
    for (const char* suffix : {"", "-wal", "-shm"})
      fs::remove(dir / (std::string("jobforge.db") + suffix));
    settings.data_dir = dir.string();
    settings.sqlite_sync = o.sync;
  } else {
    settings.postgres_url = o.url;
  }
  auto opened = open_store(settings);
  if (!opened) die("open: " + opened.error_value().message);
  auto& s = *opened.value().backend;
  auto before = s.count_by_status();
  if (!before) die("count_by_status: " + before.error_value().message);

  auto rng = make_seeded_random(11);
  const timestamp t0 = from_unix_ms(1'790'000'000'000);
  std::vector<job> jobs;
  jobs.reserve(static_cast<std::size_t>(o.jobs));
  for (long i = 0; i < o.jobs; ++i)
    jobs.push_back(new_job(*rng, t0 + std::chrono::milliseconds(i / 10), o.time_ordered_ids));

  std::printf(
      "store_bench: %ld jobs, %ld writes per transaction, %s ids, %s (%zu jobs there before)\n",
      o.jobs, o.batch, o.time_ordered_ids ? "v7" : "v4", opened.value().description.c_str(),
      total(*before));
  std::printf("  load average %s\n", loadavg().c_str());
  long k = 0;
  const double insert = run_phase(
      s, jobs, o.batch, [](job&) {}, put);

  // The reads of recovery, while every job waits.
  auto started = steady::now();
  auto summaries = s.load_unfinished_summaries();
  if (!summaries) die("load_unfinished_summaries: " + summaries.error_value().message);
  const double read_summaries = micros_since(started, jobs.size());
  const std::size_t summarized = summaries.value().size();
  summaries = std::vector<job_summary>{};
  started = steady::now();
  auto whole = s.load_unfinished();
  if (!whole) die("load_unfinished: " + whole.error_value().message);
  const double read_whole = micros_since(started, jobs.size());
  const std::size_t loaded = whole.value().size();
  whole = std::vector<job>{};
  if (summarized < jobs.size() || loaded < jobs.size())
    die("the reads missed jobs: " + std::to_string(summarized) + " summaries, " +
        std::to_string(loaded) + " jobs");

  const double running = run_phase(
      s, jobs, o.batch,
      [&](job& j) {
        if (!transition(j, job_status::running, t0 + std::chrono::milliseconds(++k)))
          die("running refused");
      },
      put);
  const double completed = run_phase(
      s, jobs, o.batch,
      [&](job& j) {
        if (!transition(j, job_status::completed, t0 + std::chrono::milliseconds(++k)))
          die("completed refused");
      },
      put);
  const double erase = run_phase(
      s, jobs, o.batch, [](job&) {}, [](const job& j) { return store_write{erase_job{j.id}}; });
  std::printf(
      "  insert     %6.2f us/write\n  running    %6.2f us/write\n"
      "  completed  %6.2f us/write\n  per job    %6.2f us (all three)\n"
      "  erase      %6.2f us/write\n"
      "  reads with %ld unfinished: summaries %.2f us/job, whole jobs %.2f us/job\n",
      insert, running, completed, insert + running + completed, erase, o.jobs, read_summaries,
      read_whole);
  std::printf("  load average %s\n", loadavg().c_str());
  if (o.store == "sqlite" && o.dir.empty()) fs::remove_all(dir);
  return 0;
}

// Crash recovery of the real process: jobs of mixed kinds are submitted to
// `jobforge serve` over HTTP while it is killed with SIGKILL at random
// moments and restarted on the same data directory. Then every job that was
// acknowledged (HTTP 201) must be there, reach the terminal status its kind
// implies, and have a history that is a valid path of the state machine;
// an attempt may run again only because a crash interrupted it.
//
// The seed is printed on failure; JOBFORGE_CRASH_SEED=N replays a run.

#include "crash_workload.hpp"
#include "served_jobforge.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>

namespace json = boost::json;
using e2e::job_mix;
using e2e::served_jobforge;
using e2e::submitted_job;
using namespace std::chrono_literals;

namespace {

std::uint64_t crash_seed() {
  if (const char* text = std::getenv("JOBFORGE_CRASH_SEED"))
    return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

/// Submits from one thread until the server goes away or `stop` is set;
/// records every acknowledged job.
void submit_until_gone(int port, job_mix& mix, std::map<std::string, submitted_job>& acked,
                       std::mutex& lock, const std::atomic<bool>& stop) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  client.set_read_timeout(5s);
  for (int n = 0; n < 5'000 && !stop; ++n) {
    auto [body, meta] = mix.next();
    auto r = client.Post("/api/jobs", json::serialize(body), "application/json");
    if (!r) return;  // killed: this submission may or may not have been stored
    if (r->status != 201) continue;
    const std::string id(json::parse(r->body).at("id").as_string());
    mix.acknowledged(id, meta);
    std::lock_guard<std::mutex> guard(lock);
    acked.emplace(id, meta);
  }
}

/// Every job on the server, by id (walking the list pages).
std::map<std::string, json::object> all_jobs(served_jobforge& jf) {
  std::map<std::string, json::object> out;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto r =
        jf.get("/api/jobs?limit=1000" +
               (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor)));
    REQUIRE(r.status == 200);
    for (const auto& item : r.object().at("items").as_array())
      out.emplace(std::string(item.at("id").as_string()), item.as_object());
    const auto* next = r.object().if_contains("next_cursor");
    if (!next) return out;
    cursor = std::string(next->as_string());
  }
  FAIL("the job list did not end");
  return out;
}

}  // namespace

TEST_CASE("acknowledged jobs survive kill -9 at random moments and all finish") {
  const std::uint64_t seed = crash_seed();
  INFO("JOBFORGE_CRASH_SEED=" << seed);
  std::mt19937_64 rng(seed);
  e2e::temp_dir data;
  std::map<std::string, submitted_job> acked;
  std::mutex lock;
  job_mix mixes[2] = {{std::mt19937_64(seed + 1), {}, {}}, {std::mt19937_64(seed + 2), {}, {}}};
  const std::size_t crashes = 4;
  const std::size_t min_per_round = 200;
  const auto test_started = std::chrono::steady_clock::now();

  for (std::size_t round = 0; round < crashes; ++round) {
    served_jobforge jf({"--executors", "16"}, data.path().string());
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (auto& mix : mixes)
      workers.emplace_back(
          [&, port = jf.port()] { submit_until_gone(port, mix, acked, lock, stop); });
    // A random moment, but not before this round has some acknowledged jobs
    // (a slow machine, or a sanitizer build, submits far fewer per second).
    const std::size_t before = [&] {
      std::lock_guard<std::mutex> guard(lock);
      return acked.size();
    }();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 900));
    e2e::eventually(
        [&] {
          std::lock_guard<std::mutex> guard(lock);
          return acked.size() >= before + min_per_round;
        },
        10s);
    ::kill(jf.process().pid(), SIGKILL);  // mid-flight: submissions, commits, attempts
    stop = true;
    for (auto& w : workers)
      w.join();
    const auto status = jf.process().stop_with(SIGKILL, 5s);
    REQUIRE(status);
    CHECK(WIFSIGNALED(*status));
  }
  INFO(acked.size() << " jobs acknowledged over " << crashes << " crashes");
  CHECK(acked.size() >= crashes * min_per_round);

  served_jobforge jf({"--executors", "16"}, data.path().string());
  const bool settled = e2e::eventually(
      [&] {
        auto r = jf.get("/api/jobs?status=scheduled,blocked,pending,running,retrying&limit=1");
        return r.status == 200 && r.object().at("items").as_array().empty();
      },
      40s);
  const auto faults = e2e::check_workload(acked, all_jobs(jf));
  CHECK(settled);
  CHECK(faults.missing == 0);
  CHECK(faults.wrong_end == 0);
  CHECK(faults.bad_history == 0);
  CHECK(faults.unexplained_reruns == 0);
  CHECK(std::chrono::steady_clock::now() - test_started < 60s);
}

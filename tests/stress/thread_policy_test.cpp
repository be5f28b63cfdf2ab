// The real threaded runtime starts its threads under SCHED_BATCH
// (runtime_config::batch_threads) and leaves the constructing thread's own
// policy as it was; with the option off its threads inherit that policy.

#include "../support/demo_registry.hpp"
#include "runtime/runtime.hpp"

#include <sched.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

using namespace jobforge;

namespace {

std::set<int> thread_ids() {
  std::set<int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task"))
    out.insert(std::stoi(task.path().filename().string()));
  return out;
}

// The policies of the threads that exist now and did not before.
std::multiset<int> policies_of_new_threads(const std::set<int>& before) {
  std::multiset<int> out;
  for (const int tid : thread_ids())
    if (before.count(tid) == 0) out.insert(::sched_getscheduler(tid));
  return out;
}

// Runs a few jobs, so that every executor has started its thread.
void run_jobs(runtime& rt, int n) {
  for (int i = 0; i < n; ++i) {
    job_request r;
    r.type = "noop";
    r.payload = boost::json::object{};
    auto submitted = rt.submit(r);
    REQUIRE(submitted);
    auto done = rt.wait(submitted->value.id, std::chrono::seconds{10});
    REQUIRE(done);
    CHECK(done->status == job_status::completed);
  }
}

// The policies of the threads a runtime with `config` starts, once it has
// run a few jobs; checks that the constructing thread kept SCHED_OTHER.
std::multiset<int> policies_of_runtime_threads(const runtime_config& config) {
  const auto before = thread_ids();
  runtime rt(test::demo_registry(), config);
  run_jobs(rt, 6);
  CHECK(::sched_getscheduler(0) == SCHED_OTHER);
  return policies_of_new_threads(before);
}

}  // namespace

TEST_CASE("the runtime's threads run under SCHED_BATCH, and its constructor's thread keeps its own",
          "[threads][policy]") {
  // Run as a normal process (not under chrt), as the test suite is.
  REQUIRE(::sched_getscheduler(0) == SCHED_OTHER);
  runtime_config config;
  config.executors = 3;
  // CAF's workers and clock, one per executor (at least).
  const auto batch = policies_of_runtime_threads(config);
  CHECK(batch.size() >= 5);
  CHECK(batch.count(SCHED_BATCH) == batch.size());

  config.batch_threads = false;
  const auto inherited = policies_of_runtime_threads(config);
  CHECK(inherited.size() >= 5);
  CHECK(inherited.count(SCHED_OTHER) == inherited.size());
}

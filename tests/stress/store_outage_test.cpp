// The real runtime asks its store whether it takes writes before it accepts
// a submission or a change: while the store says it cannot (its database
// is away), callers are refused at once with `unavailable` and nothing
// changes, instead of waiting behind a batch that waits.

#include "../support/demo_registry.hpp"
#include "runtime/runtime.hpp"
#include "store/forwarding_store.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// A memory store that can be told its database is away.
class switchable_store final : public forwarding_store {
 public:
  switchable_store() : forwarding_store(make_memory_store()) {}
  std::atomic<bool> away{false};

  expected<void> writable() const override {
    if (away) return error{error_code::unavailable, "the database is away"};
    return {};
  }
  // Like a database's: the store writer gets a thread of its own.
  bool commits_wait_for_disk() const override { return true; }
  bool shares_snapshots() const override { return false; }
};

job_request request(const std::string& type, boost::json::value payload) {
  job_request r;
  r.type = type;
  r.payload = std::move(payload);
  return r;
}

std::size_t stored_jobs(runtime& rt) {
  auto counts = rt.counts();
  REQUIRE(counts);
  std::size_t n = 0;
  for (auto c : counts->by_status)
    n += c;
  return n;
}

void check_refused(const error& e) {
  CHECK(e.code == error_code::unavailable);
  CHECK(e.message == "the database is away");
}

}  // namespace

TEST_CASE("a runtime whose store takes no writes now refuses submissions and changes at once",
          "[runtime][store][outage]") {
  auto backend = std::make_shared<switchable_store>();
  runtime_config config;
  config.executors = 1;
  runtime rt(test::demo_registry(), config, backend);
  // One that waits for a while, to be changed below.
  auto waiting = rt.submit(request("sleep", boost::json::object{{"ms", 60'000}}));
  REQUIRE(waiting);
  auto queued = rt.submit(request("noop", boost::json::object{}));
  REQUIRE(queued);
  const auto before = stored_jobs(rt);

  backend->away = true;
  auto submitted = rt.submit(request("noop", boost::json::object{}));
  REQUIRE_FALSE(submitted);
  check_refused(submitted.error_value());
  std::vector<batch_entry> entries(2);
  for (auto& e : entries)
    e.request = request("noop", boost::json::object{});
  auto batch = rt.submit_batch(entries);
  REQUIRE_FALSE(batch);
  check_refused(batch.error_value());
  const auto id = waiting->value.id;
  auto canceled = rt.cancel(id, {});
  REQUIRE_FALSE(canceled);
  check_refused(canceled.error_value());
  auto reprioritized = rt.change_priority(queued->value.id, priority::critical);
  REQUIRE_FALSE(reprioritized);
  check_refused(reprioritized.error_value());

  // Nothing changed; reads still work.
  CHECK(stored_jobs(rt) == before);
  auto still = rt.get(id);
  REQUIRE(still);
  CHECK_FALSE(is_terminal(still->status));

  // Back: the same calls are taken.
  backend->away = false;
  CHECK(rt.submit(request("noop", boost::json::object{})));
  auto canceled_now = rt.cancel(id, {});
  REQUIRE(canceled_now);
  auto done = rt.wait(id, 10s);
  REQUIRE(done);
  CHECK(done->status == job_status::canceled);
  rt.shutdown();
}

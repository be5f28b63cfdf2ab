// A runtime whose store refuses commits (its disk is full, its database is
// away): once the store writer holds writes it could not commit, callers
// are refused at once with `unavailable` and nothing changes, instead of
// being acknowledged while nothing can be committed; once the store takes
// the kept writes again, the same calls are taken.

#include "../support/demo_registry.hpp"
#include "runtime/runtime.hpp"
#include "store/forwarding_store.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// A memory store whose commits can be refused, as a database's that went away.
class switchable_store final : public forwarding_store {
 public:
  switchable_store() : forwarding_store(make_memory_store()) {}
  std::atomic<bool> away{false};

  expected<void> apply(const std::vector<store_write>& batch) override {
    if (away) return error{error_code::unavailable, "the database is away"};
    return forwarding_store::apply(batch);
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
  CHECK_THAT(e.message, Catch::Contains("the store takes no writes (the database is away)"));
}

/// Waits (bounded) until `held` says whether the writer holds refused writes.
bool outage_becomes(runtime& rt, bool held) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (rt.write_outage().has_value() != held) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("a runtime whose store refuses writes refuses submissions and changes at once",
          "[runtime][store][outage]") {
  auto backend = std::make_shared<switchable_store>();
  runtime_config config;
  config.executors = 2;
  runtime rt(test::demo_registry(), config, backend);
  // One that runs for long, to be canceled; one that ends while the store is
  // away (its writes are the ones kept); one that waits for its time.
  auto running = rt.submit(request("sleep", boost::json::object{{"ms", 60'000}}));
  REQUIRE(running);
  auto ending = rt.submit(request("sleep", boost::json::object{{"ms", 200}}));
  REQUIRE(ending);
  auto later = request("noop", boost::json::object{});
  later.run_in_ms = 3'600'000;
  auto queued = rt.submit(later);
  REQUIRE(queued);

  backend->away = true;
  REQUIRE(outage_becomes(rt, true));
  const auto before = stored_jobs(rt);

  auto submitted = rt.submit(request("noop", boost::json::object{}));
  REQUIRE_FALSE(submitted);
  check_refused(submitted.error_value());
  std::vector<batch_entry> entries(2);
  for (auto& e : entries)
    e.request = request("noop", boost::json::object{});
  auto batch = rt.submit_batch(entries);
  REQUIRE_FALSE(batch);
  check_refused(batch.error_value());
  const auto id = running->value.id;
  auto canceled = rt.cancel(id, {});
  REQUIRE_FALSE(canceled);
  check_refused(canceled.error_value());
  auto reprioritized = rt.change_priority(queued->value.id, priority::critical);
  REQUIRE_FALSE(reprioritized);
  check_refused(reprioritized.error_value());
  auto depended = rt.add_dependencies(queued->value.id, {id});
  REQUIRE_FALSE(depended);
  check_refused(depended.error_value());

  // Nothing changed; reads still work.
  CHECK(stored_jobs(rt) == before);
  auto still = rt.get(id);
  REQUIRE(still);
  CHECK(still->status == job_status::running);
  auto same = rt.get(queued->value.id);
  REQUIRE(same);
  CHECK(same->priority == priority::normal);

  // Back: the kept writes go in, and the same calls are taken.
  backend->away = false;
  REQUIRE(outage_becomes(rt, false));
  auto ended = rt.get(ending->value.id);
  REQUIRE(ended);
  CHECK(ended->status == job_status::completed);
  CHECK(rt.submit(request("noop", boost::json::object{})));
  auto canceled_now = rt.cancel(id, {});
  REQUIRE(canceled_now);
  auto done = rt.wait(id, 10s);
  REQUIRE(done);
  CHECK(done->status == job_status::canceled);
  rt.shutdown();
}

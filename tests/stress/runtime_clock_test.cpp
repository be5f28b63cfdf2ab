// The real threaded runtime's timestamps follow the wall clock from the
// start, however long recovery took to read the store (the runtime's wall
// clock is an origin plus the actor clock's steady time since; both must be
// read at the same moment, or every timestamp is off by the reads).

#include "handlers/demo_types.hpp"
#include "runtime/runtime.hpp"
#include "store/forwarding_store.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

using namespace jobforge;

namespace {

/// The memory store, slow to read what recovery reads (a deep queue).
class slow_recovery_store final : public forwarding_store {
 public:
  explicit slow_recovery_store(std::chrono::milliseconds delay)
      : forwarding_store(make_memory_store()), delay_(delay) {}
  expected<std::vector<job>> load_unfinished() override {
    std::this_thread::sleep_for(delay_);
    return inner().load_unfinished();
  }
  expected<std::vector<job_summary>> load_unfinished_summaries() override {
    std::this_thread::sleep_for(delay_);
    return inner().load_unfinished_summaries();
  }
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return true; }

 private:
  std::chrono::milliseconds delay_;
};

}  // namespace

TEST_CASE("a job's times are the wall clock's even after a slow recovery", "[runtime][clock]") {
  job_type_registry types;
  REQUIRE(handlers::register_demo_types(types));
  runtime_config config;
  config.executors = 1;
  runtime rt(std::move(types), config,
             std::make_shared<slow_recovery_store>(std::chrono::milliseconds(300)));
  job_request r;
  r.type = "noop";
  r.payload = boost::json::object{};
  const auto before = std::chrono::system_clock::now();
  auto submitted = rt.submit(r);
  const auto after = std::chrono::system_clock::now();
  REQUIRE(submitted);
  // Times are kept to the millisecond (truncated).
  const auto created = submitted->value.created_at;
  CHECK(created >= before - std::chrono::milliseconds(1));
  CHECK(created <= after + std::chrono::milliseconds(1));
  rt.shutdown();
}

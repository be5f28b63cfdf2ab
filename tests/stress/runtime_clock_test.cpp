// The real threaded runtime's timestamps follow the wall clock from the
// start, however long recovery took to read the store (the runtime's wall
// clock is an origin plus the actor clock's steady time since; both must be
// read at the same moment, or every timestamp is off by the reads).

#include "handlers/demo_types.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

using namespace jobforge;

namespace {

/// The memory store, slow to read what recovery reads (a deep queue).
class slow_recovery_store final : public store {
 public:
  explicit slow_recovery_store(std::chrono::milliseconds delay)
      : inner_(make_memory_store()), delay_(delay) {}
  expected<void> apply(const std::vector<store_write>& batch) override {
    return inner_->apply(batch);
  }
  expected<std::optional<job>> get(const job_id& id) override { return inner_->get(id); }
  expected<job_page> list(const job_query& query) override { return inner_->list(query); }
  expected<std::vector<job>> load_unfinished() override {
    std::this_thread::sleep_for(delay_);
    return inner_->load_unfinished();
  }
  expected<std::vector<job_summary>> load_unfinished_summaries() override {
    std::this_thread::sleep_for(delay_);
    return inner_->load_unfinished_summaries();
  }
  expected<status_counts> count_by_status() override { return inner_->count_by_status(); }
  expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) override {
    return inner_->load_dedup_claims(now);
  }
  expected<std::vector<schedule_record>> load_schedules() override {
    return inner_->load_schedules();
  }
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return true; }
  expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) override {
    return inner_->prune_finished(cutoff, limit);
  }

 private:
  std::unique_ptr<store> inner_;
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

// A leader's store rides out a database outage: a refused batch is written
// again until the database takes it, and the leader gives up (steps down)
// only after its patience.

#include "app/leader_store.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

using namespace std::chrono_literals;

namespace {

/// Refuses the first `failures` batches with `code`, then takes every one.
class refusing_store final : public jobforge::store {
 public:
  refusing_store(int failures, jobforge::error_code code) : failures_(failures), code_(code) {}
  int applied = 0;                 ///< calls of apply()
  std::function<void()> on_apply;  ///< called at each try, before it answers

  jobforge::expected<void> apply(const std::vector<jobforge::store_write>&) override {
    if (on_apply) on_apply();
    if (++applied <= failures_) return jobforge::error{code_, "the database is restarting"};
    return {};
  }
  jobforge::expected<std::optional<jobforge::job>> get(const jobforge::job_id&) override {
    return std::optional<jobforge::job>{};
  }
  jobforge::expected<jobforge::job_page> list(const jobforge::job_query&) override {
    return jobforge::job_page{};
  }
  jobforge::expected<std::vector<jobforge::job>> load_unfinished() override {
    return std::vector<jobforge::job>{};
  }
  jobforge::expected<jobforge::status_counts> count_by_status() override {
    return jobforge::status_counts{};
  }
  jobforge::expected<std::vector<jobforge::dedup_claim>> load_dedup_claims(
      jobforge::timestamp) override {
    return std::vector<jobforge::dedup_claim>{};
  }
  jobforge::expected<std::vector<jobforge::schedule_record>> load_schedules() override {
    return std::vector<jobforge::schedule_record>{};
  }
  jobforge::expected<std::vector<jobforge::job_id>> prune_finished(jobforge::timestamp,
                                                                   std::size_t) override {
    return std::vector<jobforge::job_id>{};
  }

 private:
  int failures_;
  jobforge::error_code code_;
};

}  // namespace

TEST_CASE("leader store: a batch refused while the database is away is written once it is back",
          "[app][leader_store]") {
  auto inner = std::make_shared<refusing_store>(3, jobforge::error_code::unavailable);
  int gave_up = 0;
  auto s = jobforge::app::outage_riding_store(
      inner, 5s, [&](const std::string&) { ++gave_up; }, 5ms);
  CHECK(s->apply({}));
  CHECK(inner->applied == 4);
  CHECK(gave_up == 0);
}

TEST_CASE("leader store: after its patience the leader gives up with the reason",
          "[app][leader_store]") {
  auto inner = std::make_shared<refusing_store>(1'000'000, jobforge::error_code::unavailable);
  std::string why;
  int gave_up = 0;
  auto s = jobforge::app::outage_riding_store(
      inner, 100ms,
      [&](const std::string& w) {
        ++gave_up;
        why = w;
      },
      10ms);
  const auto started = std::chrono::steady_clock::now();
  auto done = s->apply({});
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(done);
  CHECK(done.error_value().code == jobforge::error_code::unavailable);
  CHECK(gave_up == 1);
  CHECK(why.find("the database took no write for") != std::string::npos);
  CHECK(why.find("the database is restarting") != std::string::npos);
  CHECK(inner->applied > 3);
  CHECK(took >= 80ms);
  CHECK(took < 2s);
}

TEST_CASE("leader store: any other refusal is answered at once", "[app][leader_store]") {
  auto inner = std::make_shared<refusing_store>(1, jobforge::error_code::conflict);
  int gave_up = 0;
  auto s = jobforge::app::outage_riding_store(
      inner, 5s, [&](const std::string&) { ++gave_up; }, 5ms);
  auto done = s->apply({});
  REQUIRE_FALSE(done);
  CHECK(done.error_value().code == jobforge::error_code::conflict);
  CHECK(inner->applied == 1);
  CHECK(gave_up == 0);
}

TEST_CASE("leader store: while a batch waits for the database, writes are refused at once",
          "[app][leader_store]") {
  auto inner = std::make_shared<refusing_store>(2, jobforge::error_code::unavailable);
  auto s = jobforge::app::outage_riding_store(
      inner, 5s, [](const std::string&) {}, 5ms);
  CHECK(s->writable());
  // What a caller is told at each try: the first is made before anything
  // failed; the ones after, while the batch waits.
  std::vector<jobforge::expected<void>> said;
  inner->on_apply = [&] { said.push_back(s->writable()); };
  REQUIRE(s->apply({}));
  REQUIRE(said.size() == 3);
  CHECK(said[0]);
  for (std::size_t i = 1; i < said.size(); ++i) {
    REQUIRE_FALSE(said[i]);
    const auto& e = said[i].error_value();
    CHECK(e.code == jobforge::error_code::unavailable);
    CHECK(e.message.find("cannot reach its database") != std::string::npos);
    CHECK(e.message.find("the database is restarting") != std::string::npos);
    CHECK(e.details.at("retry_after") == 1);
  }
  // Taken: writes are welcome again.
  CHECK(s->writable());
}

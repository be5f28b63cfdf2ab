#include "store/coalesce.hpp"

#include "model/job_codec.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;

namespace {

std::shared_ptr<const job> snapshot(const job_id& id, job_status status) {
  auto j = std::make_shared<job>();
  j->id = id;
  j->type = "noop";
  j->tenant = "default";
  j->status = status;
  return j;
}

}  // namespace

TEST_CASE("coalescing keeps the last write of each job, in order", "[store][coalesce]") {
  auto rng = make_seeded_random(3);
  const job_id a = job_id::generate(*rng);
  const job_id b = job_id::generate(*rng);
  std::vector<store_write> batch{
      put_job{snapshot(a, job_status::pending)}, put_job{snapshot(b, job_status::pending)},
      put_job{snapshot(a, job_status::running)}, put_job{snapshot(a, job_status::completed)}};
  const auto kept = coalesce_writes(batch);
  REQUIRE(kept.size() == 2);
  CHECK(std::get<put_job>(kept[0]).snapshot->id == b);
  CHECK(std::get<put_job>(kept[1]).snapshot->id == a);
  CHECK(std::get<put_job>(kept[1]).snapshot->status == job_status::completed);
}

TEST_CASE("coalescing commits the same state as the whole batch", "[store][coalesce]") {
  auto rng = make_seeded_random(5);
  std::vector<job_id> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(job_id::generate(*rng));
  std::vector<store_write> batch;
  for (int i = 0; i < 500; ++i) {
    const auto& id = ids[rng->next_u64() % ids.size()];
    if (rng->next_u64() % 5 == 0)
      batch.push_back(erase_job{id});
    else
      batch.push_back(put_job{snapshot(id, static_cast<job_status>(rng->next_u64() % 8))});
  }
  auto whole = make_memory_store();
  auto coalesced = make_memory_store();
  REQUIRE(whole->apply(batch));
  const auto kept = coalesce_writes(batch);
  CHECK(kept.size() <= ids.size());
  REQUIRE(coalesced->apply(kept));
  for (const auto& id : ids) {
    auto x = whole->get(id);
    auto y = coalesced->get(id);
    REQUIRE(x.has_value());
    REQUIRE(y.has_value());
    REQUIRE(x->has_value() == y->has_value());
    if (x->has_value()) CHECK(to_json(**x) == to_json(**y));
  }
}

TEST_CASE("coalescing keeps a write without a job so the store still refuses the batch",
          "[store][coalesce]") {
  auto rng = make_seeded_random(7);
  const job_id a = job_id::generate(*rng);
  std::vector<store_write> batch{put_job{nullptr}, put_job{snapshot(a, job_status::pending)}};
  const auto kept = coalesce_writes(batch);
  REQUIRE(kept.size() == 2);
  auto s = make_memory_store();
  CHECK_FALSE(s->apply(kept).has_value());
  CHECK_FALSE(s->get(a)->has_value());
}

TEST_CASE("coalescing a job's creation away makes the write that supersedes it the first",
          "[store][coalesce]") {
  auto rng = make_seeded_random(9);
  const job_id a = job_id::generate(*rng);
  const job_id b = job_id::generate(*rng);
  std::vector<store_write> batch{
      put_job{snapshot(a, job_status::pending), true}, put_job{snapshot(b, job_status::pending)},
      put_job{snapshot(a, job_status::running)}, put_job{snapshot(b, job_status::running)}};
  const auto kept = coalesce_writes(batch);
  REQUIRE(kept.size() == 2);
  const auto& first = std::get<put_job>(kept[0]);
  const auto& second = std::get<put_job>(kept[1]);
  CHECK(first.snapshot->id == a);
  CHECK(first.snapshot->status == job_status::running);
  CHECK(first.created);  // a store may insert it without looking
  CHECK(second.snapshot->id == b);
  CHECK_FALSE(second.created);  // b was stored before this batch
}

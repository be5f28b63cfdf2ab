// stats() keeps its counts as jobs change (no walk over every job); they
// must agree with what the store says at every step of a random mix of
// delayed, blocked, retrying, failing and canceled jobs.
#include "runtime_fixture.hpp"

#include <map>
#include <vector>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

std::map<job_status, std::size_t> stored_by_status(testing::simulated_runtime& rt) {
  std::map<job_status, std::size_t> out;
  job_query q;
  q.limit = 1000;
  for (;;) {
    auto page = rt.list(q);
    REQUIRE(page.has_value());
    for (const auto& j : page->items)
      ++out[j.status];
    if (!page->next_cursor) return out;
    q.cursor = *page->next_cursor;
  }
}

void check_counts(testing::simulated_runtime& rt) {
  const auto stored = stored_by_status(rt);
  const auto n = [&](job_status s) {
    auto it = stored.find(s);
    return it == stored.end() ? std::size_t{0} : it->second;
  };
  const auto s = rt.stats();
  CHECK(s.scheduled == n(job_status::scheduled));
  CHECK(s.blocked == n(job_status::blocked));
  // A supervisor owns every running and retrying job, and a pending one
  // whose backoff ended until it is dispatched again.
  CHECK(s.supervisors >= n(job_status::running) + n(job_status::retrying));
  CHECK(s.supervisors <= n(job_status::running) + n(job_status::retrying) + n(job_status::pending));
  CHECK(s.ready <= n(job_status::pending));
}

}  // namespace

TEST_CASE("stats() agrees with the store through a random mix of jobs", "[stats]") {
  testing::simulated_runtime rt(demo_registry());
  auto rng = make_seeded_random(4242);
  const auto pick = [&](std::uint64_t n) { return rng->next_u64() % n; };
  std::vector<job_id> ids;
  for (int step = 0; step < 400; ++step) {
    INFO("step " << step);
    switch (pick(6)) {
      case 0: {  // delayed
        auto r = request("sleep", R"({"ms": 300})");
        r.run_at = rt.now() + milliseconds{static_cast<std::int64_t>(1 + pick(3000))};
        ids.push_back(submit_ok(rt, r).id);
        break;
      }
      case 1: {  // blocked on up to two earlier jobs
        auto r = request("noop");
        for (std::uint64_t k = pick(3); k > 0 && !ids.empty(); --k)
          r.dependencies.depends_on.push_back(ids[pick(ids.size())]);
        r.dependencies.on_failure =
            pick(2) ? dependency_failure_policy::run : dependency_failure_policy::cancel;
        auto submitted = rt.submit(r);
        REQUIRE(submitted.has_value());
        ids.push_back(submitted->value.id);
        break;
      }
      case 2: {  // retries, or fails for good
        auto r =
            request("fail", pick(2) ? R"({"times": 2})" : R"({"times": 1, "kind": "permanent"})");
        r.retry.initial_backoff_ms = 200;
        ids.push_back(submit_ok(rt, r).id);
        break;
      }
      case 3:
        ids.push_back(submit_ok(rt, request("sleep", R"({"ms": 500})")).id);
        break;
      case 4:
        if (!ids.empty()) {
          cancel_options how;
          how.mode = pick(2) ? cancel_mode::forced : cancel_mode::graceful;
          (void)rt.cancel(ids[pick(ids.size())], how);
        }
        break;
      default:
        rt.advance(milliseconds{static_cast<std::int64_t>(pick(700))});
    }
    rt.run();
    check_counts(rt);
  }
  // Everything ends: nothing is left waiting or supervised.
  for (int i = 0; i < 200 && rt.advance_to_next_timer(); ++i) {
  }
  rt.advance(1h);
  const auto s = rt.stats();
  CHECK(s.scheduled == 0);
  CHECK(s.blocked == 0);
  CHECK(s.supervisors == 0);
  CHECK(s.ready == 0);
  check_counts(rt);
}

#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

job blocked_on(testing::simulated_runtime& rt, const job_id& parent) {
  auto r = request("noop");
  r.dependencies.depends_on = {parent};
  return submit_ok(rt, std::move(r));
}

}  // namespace

TEST_CASE("a dependency that would close a cycle is refused and changes nothing",
          "[runtime][dependencies][cycle]") {
  testing::simulated_runtime rt(demo_registry());
  const job root = submit_ok(rt, request("sleep", R"({"ms": 10000})"));
  const job a = blocked_on(rt, root.id);
  const job b = blocked_on(rt, a.id);
  const job c = blocked_on(rt, b.id);

  // a <- b <- c: making a wait for c closes the loop.
  auto refused = rt.add_dependencies(a.id, {c.id});
  REQUIRE(refused.ready());
  REQUIRE_FALSE(refused.get().has_value());
  CHECK(refused.get().error_value().code == error_code::dependency_cycle);
  CHECK(fetch(rt, a.id).dependencies.depends_on == std::vector<job_id>{root.id});
  auto self_loop = rt.add_dependencies(a.id, {a.id});
  REQUIRE(self_loop.ready());
  CHECK(self_loop.get().error_value().code == error_code::dependency_cycle);

  // Nothing was wired wrongly: the chain still runs in order.
  rt.advance(10s);
  for (const auto& id : {root.id, a.id, b.id, c.id})
    CHECK(fetch(rt, id).status == job_status::completed);
}

TEST_CASE("a blocked job can wait for more parents and stop waiting for one",
          "[runtime][dependencies]") {
  testing::simulated_runtime rt(demo_registry());
  const job slow = submit_ok(rt, request("sleep", R"({"ms": 10000})"));
  const job slower = submit_ok(rt, request("sleep", R"({"ms": 20000})"));
  const job child = blocked_on(rt, slow.id);

  auto added = rt.add_dependencies(child.id, {slower.id});
  REQUIRE(added.ready());
  REQUIRE(added.get().has_value());
  CHECK(added.get()->dependencies.depends_on.size() == 2);
  CHECK(fetch(rt, child.id).dependencies.depends_on.size() == 2);

  rt.advance(10s);  // slow is done; child still waits for slower
  CHECK(fetch(rt, child.id).status == job_status::blocked);

  auto removed = rt.remove_dependency(child.id, slower.id);
  REQUIRE(removed.ready());
  REQUIRE(removed.get().has_value());
  CHECK(fetch(rt, child.id).status == job_status::completed);
  CHECK(fetch(rt, slower.id).status == job_status::running);
}

TEST_CASE("dependencies of a job that is not blocked cannot change", "[runtime][dependencies]") {
  testing::simulated_runtime rt(demo_registry());
  const job busy = submit_ok(rt, request("sleep", R"({"ms": 10000})"));
  const job done = submit_ok(rt, request("noop"));
  auto on_running = rt.add_dependencies(busy.id, {done.id});
  REQUIRE(on_running.ready());
  CHECK(on_running.get().error_value().code == error_code::conflict);

  const job child = blocked_on(rt, busy.id);
  auto finished_parent = rt.add_dependencies(child.id, {done.id});
  REQUIRE(finished_parent.ready());
  CHECK(finished_parent.get().error_value().code == error_code::invalid_argument);
  auto not_a_parent = rt.remove_dependency(child.id, done.id);
  REQUIRE(not_a_parent.ready());
  CHECK(not_a_parent.get().error_value().code == error_code::not_found);
  CHECK(fetch(rt, child.id).dependencies.depends_on == std::vector<job_id>{busy.id});
}

#include "model/executor_capacity.hpp"
#include "model/random_source.hpp"
#include "model/ready_queue.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;

namespace {

type_set of(std::initializer_list<std::size_t> types) {
  type_set s;
  for (auto t : types)
    s.insert(t);
  return s;
}

}  // namespace

TEST_CASE("type_set: all holds every type, merge unites, empty is empty", "[model][placement]") {
  CHECK(type_set::all().contains(0));
  CHECK(type_set::all().contains(1000));
  CHECK(type_set{}.empty());
  auto a = of({1, 3});
  CHECK(a.contains(1));
  CHECK_FALSE(a.contains(2));
  CHECK_FALSE(a.contains(99));
  a.merge(of({2}));
  CHECK(a.contains(2));
  CHECK(a.contains(3));
  a.merge(type_set::all());
  CHECK(a.is_all());
}

TEST_CASE("placement: a job goes only to a node that runs its type and has an idle slot",
          "[model][placement]") {
  executor_capacity c;
  const auto local = c.add_node("local", of({0}));
  const auto w1 = c.add_node("w1", of({1}));
  c.slot_offered(local);
  CHECK(c.place(0) == local);
  CHECK_FALSE(c.place(1));  // w1 has no slot yet
  CHECK_FALSE(c.runnable_now().contains(1));
  c.slot_offered(w1);
  CHECK(c.place(1) == w1);
  CHECK(c.runnable_now().contains(1));
  c.slot_taken(w1);
  CHECK_FALSE(c.place(1));
  CHECK_FALSE(c.runnable_now().contains(1));
  CHECK(c.runs(1));  // busy, but it runs the type
  c.slot_returned(w1);
  CHECK(c.place(1) == w1);
  CHECK(c.total() == 2);
  CHECK(c.total_idle() == 2);
}

TEST_CASE("placement: work spreads to the node with the most idle slots", "[model][placement]") {
  executor_capacity c;
  const auto a = c.add_node("a", type_set::all());
  const auto b = c.add_node("b", type_set::all());
  for (int i = 0; i < 2; ++i)
    c.slot_offered(a);
  for (int i = 0; i < 3; ++i)
    c.slot_offered(b);
  std::vector<std::size_t> picks;
  for (int i = 0; i < 5; ++i) {
    const auto n = c.place(0);
    REQUIRE(n);
    picks.push_back(*n);
    c.slot_taken(*n);
  }
  // b (3 idle) first, then a and b alternate as they even out (ties: the earlier node).
  CHECK(picks == std::vector<std::size_t>{b, a, b, a, b});
  CHECK(c.total_idle() == 0);
  CHECK(c.busy(a) == 2);
  CHECK(c.busy(b) == 3);
}

TEST_CASE("placement: a node that is gone runs nothing and counts nothing", "[model][placement]") {
  executor_capacity c;
  const auto w = c.add_node("w", of({2}));
  c.slot_offered(w);
  c.slot_offered(w);
  c.slot_taken(w);
  c.node_gone(w);
  CHECK_FALSE(c.up(w));
  CHECK_FALSE(c.runs(2));
  CHECK_FALSE(c.place(2));
  CHECK(c.total() == 0);
  c.slot_offered(w);  // a late offer of a session that ended
  CHECK(c.total() == 0);
  CHECK(c.runnable_now().empty());
}

TEST_CASE("placement: a slot lost while busy or idle leaves the counts right",
          "[model][placement]") {
  executor_capacity c;
  const auto w = c.add_node("w", type_set::all());
  c.slot_offered(w);
  c.slot_offered(w);
  c.slot_taken(w);
  c.slot_gone(w, true);
  CHECK(c.busy(w) == 0);
  CHECK(c.idle(w) == 1);
  c.slot_gone(w, false);
  CHECK(c.total() == 0);
  CHECK_FALSE(c.place(0));
}

TEST_CASE("ready queue: pop among allowed types keeps priority order within them",
          "[model][placement]") {
  const timestamp t0 = from_unix_ms(1'700'000'000'000);
  ready_queue q;
  q.add_type("a", 0, rate_limit{}, t0);
  q.add_type("b", 0, rate_limit{}, t0);
  const auto a = *q.type_index("a");
  const auto b = *q.type_index("b");
  auto rng = make_seeded_random(7);
  const job_id a1 = job_id::generate(*rng), b1 = job_id::generate(*rng),
               b2 = job_id::generate(*rng);
  const aging_policy aging;
  q.push(a1, "a", priority::critical, make_dispatch_key(priority::critical, t0, 1, aging), t0);
  q.push(b1, "b", priority::low, make_dispatch_key(priority::low, t0, 2, aging), t0);
  q.push(b2, "b", priority::high, make_dispatch_key(priority::high, t0, 3, aging), t0);
  type_set only_b;
  only_b.insert(b);
  auto first = q.pop(t0, only_b);
  REQUIRE(first);
  CHECK(first->id == b2);  // the best b, though a's critical job is better
  CHECK(q.type_name(a) == "a");
  CHECK_FALSE(q.pop(t0, type_set{}));
  auto next = q.pop(t0);
  REQUIRE(next);
  CHECK(next->id == a1);
  CHECK(q.size() == 1);
}

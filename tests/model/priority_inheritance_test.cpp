#include "model/priority_inheritance.hpp"

#include "model/random_source.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <vector>

using namespace jobforge;

namespace {

/// A graph, the jobs' own priorities and the inheritance kept in step, as
/// the scheduler keeps them; `moves` records every change announced.
struct world {
  dependency_graph graph;
  priority_inheritance inheritance;
  std::map<job_id, priority> own;
  std::map<job_id, priority> moves;

  priority_inheritance::own_fn own_of() {
    return [this](const job_id& id) { return own.at(id); };
  }
  priority_inheritance::changed_fn record() {
    return [this](const job_id& id, priority p) { moves[id] = p; };
  }
  void add(const job_id& id, priority p) { own[id] = p; }
  void wait(const job_id& child, const std::vector<job_id>& parents) {
    REQUIRE(graph.add(child, parents));
    inheritance.waits(graph, child, parents, own_of(), record());
  }
  void stop(const job_id& child, const job_id& parent) {
    graph.remove_edge(child, parent);
    inheritance.stops_waiting(graph, child, {parent}, own_of(), record());
  }
  void stop_all(const job_id& child) {
    const auto parents = graph.parents_of(child);
    graph.remove_parents(child);
    inheritance.stops_waiting(graph, child, parents, own_of(), record());
  }
  void set_own(const job_id& id, priority p) {
    const priority before = own.at(id);
    own[id] = p;
    inheritance.own_changed(graph, id, before, own_of(), record());
  }
  /// A job that finished: it no longer waits, and nobody waits on it.
  void finish(const job_id& id) {
    stop_all(id);
    graph.remove(id);
    inheritance.forget(id);
    own.erase(id);
  }
  priority effective(const job_id& id) const { return inheritance.effective(id, own.at(id)); }

  /// The definition, walked from scratch.
  priority oracle(const job_id& id) const {
    priority best = own.at(id);
    for (const auto& c : graph.children_of(id))
      best = std::max(best, oracle(c));
    return best;
  }
};

std::vector<job_id> make_ids(std::size_t n, std::uint64_t seed = 23) {
  auto rng = make_seeded_random(seed);
  std::vector<job_id> ids;
  for (std::size_t i = 0; i < n; ++i)
    ids.push_back(job_id::generate(*rng));
  return ids;
}

}  // namespace

TEST_CASE("a job waited on by a higher-priority job runs at the waiter's priority",
          "[model][priority]") {
  const auto ids = make_ids(3);
  const auto &parent = ids[0], &child = ids[1], &other = ids[2];
  world w;
  w.add(parent, priority::low);
  w.add(child, priority::critical);
  w.add(other, priority::normal);
  w.wait(child, {parent});
  CHECK(w.effective(parent) == priority::critical);
  CHECK(w.inheritance.lent(parent, priority::low) == priority::critical);
  CHECK(w.moves == std::map<job_id, priority>{{parent, priority::critical}});
  CHECK(w.effective(child) == priority::critical);
  CHECK(w.effective(other) == priority::normal);
  CHECK_FALSE(w.inheritance.lent(other, priority::normal));

  SECTION("and drops back when the waiter leaves") {
    w.moves.clear();
    w.stop_all(child);
    CHECK(w.effective(parent) == priority::low);
    CHECK(w.moves == std::map<job_id, priority>{{parent, priority::low}});
    CHECK(w.inheritance.tracked() == 0);
  }
  SECTION("a lower waiter lends nothing") {
    w.moves.clear();
    w.wait(other, {parent});
    CHECK(w.effective(parent) == priority::critical);
    CHECK(w.moves.empty());
    w.stop_all(child);
    CHECK(w.effective(parent) == priority::normal);
    CHECK(w.moves == std::map<job_id, priority>{{parent, priority::normal}});
  }
  SECTION("a parent of its own higher priority keeps it") {
    w.set_own(parent, priority::critical);
    w.moves.clear();
    w.stop_all(child);
    CHECK(w.effective(parent) == priority::critical);
    CHECK(w.moves.empty());
  }
}

TEST_CASE("inheritance passes through a chain of waiting jobs", "[model][priority]") {
  const auto ids = make_ids(4);
  world w;
  for (const auto& id : ids)
    w.add(id, priority::low);
  // ids[3] waits on ids[2], which waits on ids[1], which waits on ids[0].
  for (std::size_t i = 1; i < ids.size(); ++i)
    w.wait(ids[i], {ids[i - 1]});
  w.moves.clear();
  w.set_own(ids[3], priority::high);
  for (const auto& id : ids)
    CHECK(w.effective(id) == priority::high);
  CHECK(w.moves.size() == 4);  // the job itself and its three ancestors

  SECTION("cutting the chain in the middle takes it back from the part above") {
    w.stop(ids[2], ids[1]);
    CHECK(w.effective(ids[0]) == priority::low);
    CHECK(w.effective(ids[1]) == priority::low);
    CHECK(w.effective(ids[2]) == priority::high);
  }
  SECTION("a diamond counts each path once") {
    w.add(ids[0], priority::low);
    const auto more = make_ids(1, 99);
    w.add(more[0], priority::low);
    w.wait(more[0], {ids[0]});
    w.wait(ids[3], {more[0]});  // ids[3] now reaches ids[0] two ways
    CHECK(w.effective(ids[0]) == priority::high);
    w.stop(ids[3], more[0]);
    CHECK(w.effective(ids[0]) == priority::high);  // still through ids[1]
    CHECK(w.effective(more[0]) == priority::low);
  }
}

TEST_CASE("a wide fan-in updates its parent once per change of level, not per waiter",
          "[model][priority]") {
  const auto ids = make_ids(2001);
  world w;
  w.add(ids[0], priority::low);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    w.add(ids[i], priority::high);
    w.wait(ids[i], {ids[0]});
  }
  CHECK(w.effective(ids[0]) == priority::high);
  std::size_t announced = 0;
  w.moves.clear();
  for (std::size_t i = 1; i < ids.size(); ++i) {
    w.finish(ids[i]);
    announced += w.moves.size();
    w.moves.clear();
  }
  CHECK(announced == 1);  // only the last waiter's departure moved it
  CHECK(w.effective(ids[0]) == priority::low);
}

TEST_CASE("inheritance always equals its definition under random edits (seeded)",
          "[model][priority][property]") {
  const auto seed = GENERATE(1u, 2u, 3u, 4u, 5u);
  auto rng = make_seeded_random(seed);
  const auto ids = make_ids(40, seed + 100);
  world w;
  std::vector<job_id> live;
  const auto pick_priority = [&] { return static_cast<priority>(rng->next_u64() % 4); };
  for (int op = 0; op < 600; ++op) {
    const auto roll = rng->next_u64() % 10;
    if (live.size() < 3 || (roll < 4 && live.size() < ids.size())) {
      // A new job, waiting on up to three live jobs.
      job_id id = ids[0];
      for (const auto& candidate : ids)
        if (!w.own.count(candidate)) {
          id = candidate;
          break;
        }
      if (w.own.count(id)) continue;
      w.add(id, pick_priority());
      std::set<job_id> parents;
      const auto n = rng->next_u64() % 4;
      for (std::uint64_t k = 0; k < n && !live.empty(); ++k)
        parents.insert(live[rng->next_u64() % live.size()]);
      live.push_back(id);
      if (!parents.empty()) w.wait(id, {parents.begin(), parents.end()});
    } else if (roll < 6) {
      w.set_own(live[rng->next_u64() % live.size()], pick_priority());
    } else if (roll < 8) {
      const auto& child = live[rng->next_u64() % live.size()];
      const auto parents = w.graph.parents_of(child);
      if (!parents.empty()) w.stop(child, parents[rng->next_u64() % parents.size()]);
    } else {
      const auto at = rng->next_u64() % live.size();
      w.finish(live[at]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
    for (const auto& id : live)
      REQUIRE(w.effective(id) == w.oracle(id));
  }
}

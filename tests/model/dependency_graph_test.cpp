#include "model/dependency_graph.hpp"

#include "model/random_source.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

using namespace jobforge;

namespace {

std::vector<job_id> make_ids(std::size_t n, std::uint64_t seed = 17) {
  auto rng = make_seeded_random(seed);
  std::vector<job_id> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    ids.push_back(job_id::generate(*rng));
  return ids;
}

std::vector<job_id> sorted(std::vector<job_id> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// Everything observable about the graph for a set of ids.
struct snapshot {
  std::size_t edges = 0;
  std::map<job_id, std::vector<job_id>> parents;
  std::map<job_id, std::vector<job_id>> children;
  std::map<job_id, bool> contained;

  friend bool operator==(const snapshot& a, const snapshot& b) {
    return a.edges == b.edges && a.parents == b.parents && a.children == b.children &&
           a.contained == b.contained;
  }
};

snapshot take(const dependency_graph& g, const std::vector<job_id>& ids) {
  snapshot s;
  s.edges = g.edge_count();
  for (const auto& id : ids) {
    s.parents[id] = sorted(g.parents_of(id));
    s.children[id] = sorted(g.children_of(id));
    s.contained[id] = g.contains(id);
  }
  return s;
}

void check_cycle_error(const expected<void>& r, const job_id& child, const job_id& parent) {
  REQUIRE_FALSE(r.has_value());
  const auto& e = r.error_value();
  CHECK(e.code == error_code::dependency_cycle);
  REQUIRE(e.details.is_object());
  CHECK(e.details.at("parent").as_string() == to_string(parent));
  CHECK(e.details.at("job_id").as_string() == to_string(child));
  CHECK(e.message.find(to_string(parent)) != std::string::npos);
}

}  // namespace

TEST_CASE("a job may not depend on itself", "[graph]") {
  const auto ids = make_ids(3);
  const auto& a = ids[0];
  const auto& b = ids[1];
  dependency_graph g;
  CHECK(g.would_cycle(a, {a}));
  check_cycle_error(g.add(a, {a}), a, a);
  CHECK(g.edge_count() == 0);
  CHECK_FALSE(g.contains(a));

  // Also among other parents, and also once the job is in the graph.
  check_cycle_error(g.add(a, {b, a}), a, a);
  CHECK(g.edge_count() == 0);
  CHECK_FALSE(g.contains(b));
  REQUIRE(g.add(b, {a}).has_value());
  CHECK(g.would_cycle(a, {a}));
  check_cycle_error(g.add(a, {a}), a, a);
  CHECK(g.would_cycle(b, {b}));
  check_cycle_error(g.add(b, {b}), b, b);
  CHECK(g.edge_count() == 1);
}

TEST_CASE("two- and three-job cycles are rejected, naming the parent", "[graph]") {
  const auto ids = make_ids(4);
  const auto &a = ids[0], &b = ids[1], &c = ids[2], &x = ids[3];
  dependency_graph g;
  // a depends on b; b depending on a closes a 2-cycle.
  REQUIRE(g.add(a, {b}).has_value());
  CHECK(g.would_cycle(b, {a}));
  check_cycle_error(g.add(b, {a}), b, a);
  CHECK(g.edge_count() == 1);

  // b depends on c; c depending on a closes a 3-cycle a -> b -> c -> a.
  REQUIRE(g.add(b, {c}).has_value());
  CHECK(g.would_cycle(c, {a}));
  check_cycle_error(g.add(c, {a}), c, a);
  // With an innocent parent listed first, the offender is still named.
  CHECK(g.would_cycle(c, {x, a}));
  check_cycle_error(g.add(c, {x, a}), c, a);
  check_cycle_error(g.add(c, {x, b}), c, b);
  CHECK(g.edge_count() == 2);
  // Edges in the same direction as the chain are fine.
  CHECK_FALSE(g.would_cycle(a, {c}));
  REQUIRE(g.add(a, {c}).has_value());
  CHECK(g.edge_count() == 3);
}

TEST_CASE("a 100000-job chain is handled without recursion, and closing it is a cycle", "[graph]") {
  constexpr std::size_t n = 100'000;
  const auto ids = make_ids(n + 2, 99);
  dependency_graph g;
  // ids[i] depends on ids[i-1].
  bool all_added = true;
  for (std::size_t i = 1; i < n; ++i)
    all_added = g.add(ids[i], {ids[i - 1]}).has_value() && all_added;
  REQUIRE(all_added);
  CHECK(g.edge_count() == n - 1);
  // The head depending on the tail closes a cycle through every job.
  check_cycle_error(g.add(ids[0], {ids[n - 1]}), ids[0], ids[n - 1]);
  CHECK(g.edge_count() == n - 1);
  CHECK(g.parents_of(ids[0]).empty());
  CHECK(g.children_of(ids[n - 1]).empty());

  // A deep walk that finds no cycle: a new job with a dependent of its own
  // depends on the tail, so the whole chain is searched.
  const auto& y = ids[n];
  const auto& z = ids[n + 1];
  REQUIRE(g.add(z, {y}).has_value());
  REQUIRE(g.add(y, {ids[n - 1]}).has_value());
  CHECK(g.edge_count() == n + 1);
  CHECK(g.parents_of(y) == std::vector<job_id>{ids[n - 1]});
}

TEST_CASE("a chain built from the end is checked just as well", "[graph]") {
  constexpr std::size_t n = 20'000;
  const auto ids = make_ids(n, 123);
  dependency_graph g;
  // Adding edges from the far end: each child already has dependents.
  bool all_added = true;
  for (std::size_t i = n - 1; i >= 1; --i)
    all_added = g.add(ids[i], {ids[i - 1]}).has_value() && all_added;
  REQUIRE(all_added);
  CHECK(g.edge_count() == n - 1);
  // A job in the middle depending on a later one closes a cycle.
  check_cycle_error(g.add(ids[n / 2], {ids[n - 1]}), ids[n / 2], ids[n - 1]);
  check_cycle_error(g.add(ids[0], {ids[n - 1]}), ids[0], ids[n - 1]);
  CHECK(g.edge_count() == n - 1);
}

TEST_CASE("diamonds are not cycles, closing one is", "[graph]") {
  const auto ids = make_ids(4);
  const auto &a = ids[0], &b = ids[1], &c = ids[2], &d = ids[3];
  dependency_graph g;
  // b and c depend on a; d depends on b and c.
  REQUIRE(g.add(b, {a}).has_value());
  REQUIRE(g.add(c, {a}).has_value());
  REQUIRE(g.add(d, {b, c}).has_value());
  CHECK(g.edge_count() == 4);
  // A redundant shortcut (d also on a) is still acyclic.
  CHECK_FALSE(g.would_cycle(d, {a}));
  REQUIRE(g.add(d, {a}).has_value());
  CHECK(g.edge_count() == 5);
  // a depending on d is a cycle, through either side.
  CHECK(g.would_cycle(a, {d}));
  check_cycle_error(g.add(a, {d}), a, d);
  check_cycle_error(g.add(b, {d}), b, d);
  check_cycle_error(g.add(a, {b}), a, b);
  CHECK(g.edge_count() == 5);
  CHECK(sorted(g.parents_of(d)) == sorted({a, b, c}));
  CHECK(sorted(g.children_of(a)) == sorted({b, c, d}));
}

TEST_CASE("a rejected add changes nothing", "[graph]") {
  const auto ids = make_ids(8);
  const auto &a = ids[0], &b = ids[1], &c = ids[2], &d = ids[3];
  const auto &fresh1 = ids[4], &fresh2 = ids[5];
  dependency_graph g;
  REQUIRE(g.add(b, {a}).has_value());
  REQUIRE(g.add(c, {a}).has_value());
  REQUIRE(g.add(d, {b, c}).has_value());
  const auto before = take(g, ids);

  // Several acceptable parents and one that closes the cycle: none are added.
  check_cycle_error(g.add(a, {fresh1, d, fresh2}), a, d);
  CHECK(take(g, ids) == before);
  CHECK_FALSE(g.contains(fresh1));
  CHECK_FALSE(g.contains(fresh2));
  CHECK(g.children_of(fresh1).empty());
  CHECK(g.parents_of(a).empty());

  // A fresh child that lists itself among good parents: nothing either.
  check_cycle_error(g.add(fresh1, {a, b, fresh1}), fresh1, fresh1);
  CHECK(take(g, ids) == before);

  // And the graph still works afterwards.
  REQUIRE(g.add(fresh1, {d}).has_value());
  CHECK(g.edge_count() == before.edges + 1);
}

TEST_CASE("adding an existing edge again is a no-op", "[graph]") {
  const auto ids = make_ids(3);
  dependency_graph g;
  REQUIRE(g.add(ids[1], {ids[0]}).has_value());
  REQUIRE(g.add(ids[1], {ids[0]}).has_value());
  REQUIRE(g.add(ids[1], {ids[0], ids[0]}).has_value());
  CHECK(g.edge_count() == 1);
  CHECK(g.parents_of(ids[1]) == std::vector<job_id>{ids[0]});
  CHECK(g.children_of(ids[0]) == std::vector<job_id>{ids[1]});
  REQUIRE(g.add(ids[2], {}).has_value());
  CHECK(g.edge_count() == 1);
}

TEST_CASE("parents_of and children_of index both directions", "[graph]") {
  const auto ids = make_ids(6);
  dependency_graph g;
  CHECK(g.parents_of(ids[0]).empty());
  CHECK(g.children_of(ids[0]).empty());
  CHECK_FALSE(g.contains(ids[0]));
  // ids[3] depends on 0, 1, 2; ids[4] depends on 0.
  REQUIRE(g.add(ids[3], {ids[0], ids[1], ids[2]}).has_value());
  REQUIRE(g.add(ids[4], {ids[0]}).has_value());
  CHECK(g.edge_count() == 4);
  CHECK(sorted(g.parents_of(ids[3])) == sorted({ids[0], ids[1], ids[2]}));
  CHECK(g.parents_of(ids[4]) == std::vector<job_id>{ids[0]});
  CHECK(sorted(g.children_of(ids[0])) == sorted({ids[3], ids[4]}));
  CHECK(g.children_of(ids[1]) == std::vector<job_id>{ids[3]});
  CHECK(g.children_of(ids[3]).empty());
  CHECK(g.parents_of(ids[0]).empty());
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(g.contains(ids[i]));
  CHECK_FALSE(g.contains(ids[5]));
}

TEST_CASE("remove_edge and remove", "[graph]") {
  const auto ids = make_ids(5);
  const auto &a = ids[0], &b = ids[1], &c = ids[2], &d = ids[3], &e = ids[4];
  dependency_graph g;
  REQUIRE(g.add(b, {a}).has_value());
  REQUIRE(g.add(c, {a}).has_value());
  REQUIRE(g.add(d, {b, c}).has_value());
  REQUIRE(g.edge_count() == 4);

  // Absent edges are ignored.
  g.remove_edge(a, b);  // wrong direction
  g.remove_edge(e, a);
  g.remove_edge(b, e);
  CHECK(g.edge_count() == 4);

  g.remove_edge(d, c);
  CHECK(g.edge_count() == 3);
  CHECK(g.parents_of(d) == std::vector<job_id>{b});
  CHECK(g.children_of(c).empty());
  g.remove_edge(d, c);  // twice: no-op
  CHECK(g.edge_count() == 3);
  CHECK(g.contains(c));  // still depends on a

  // Removing b drops b -> a and d -> b.
  g.remove(b);
  CHECK(g.edge_count() == 1);
  CHECK_FALSE(g.contains(b));
  CHECK_FALSE(g.contains(d));
  CHECK(g.parents_of(d).empty());
  CHECK(g.children_of(a) == std::vector<job_id>{c});
  CHECK(g.parents_of(b).empty());
  CHECK(g.children_of(b).empty());
  g.remove(b);  // again: no-op
  g.remove(e);  // never present
  CHECK(g.edge_count() == 1);

  // A dependency that used to close a cycle is fine once the path is gone:
  // before, a depending on d went a -> d -> b -> a.
  CHECK_FALSE(g.would_cycle(a, {d}));
  REQUIRE(g.add(a, {d}).has_value());
  CHECK(g.edge_count() == 2);
  // But a -> c -> a still is one.
  check_cycle_error(g.add(a, {c}), a, c);

  g.remove(a);
  g.remove(c);
  CHECK(g.edge_count() == 0);
  for (const auto& id : ids) {
    CHECK_FALSE(g.contains(id));
    CHECK(g.parents_of(id).empty());
    CHECK(g.children_of(id).empty());
  }
}

TEST_CASE("would_cycle does not change the graph", "[graph]") {
  const auto ids = make_ids(4);
  dependency_graph g;
  REQUIRE(g.add(ids[1], {ids[0]}).has_value());
  REQUIRE(g.add(ids[2], {ids[1]}).has_value());
  const auto before = take(g, ids);
  CHECK(g.would_cycle(ids[0], {ids[2]}));
  CHECK_FALSE(g.would_cycle(ids[3], {ids[2]}));
  CHECK_FALSE(g.would_cycle(ids[0], {}));
  CHECK(take(g, ids) == before);
}

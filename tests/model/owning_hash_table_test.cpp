#include "model/owning_hash_table.hpp"
#include "model/compact_string.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>

using namespace jobforge;

namespace {

// Counts live nodes, so that the tests see every node the table deletes.
struct counted_node {
  static inline int alive = 0;

  explicit counted_node(std::uint64_t k) : key(k) { ++alive; }
  counted_node(const counted_node&) = delete;
  counted_node& operator=(const counted_node&) = delete;
  ~counted_node() { --alive; }

  std::uint64_t key;
  hash_table_hook link;
};

struct key_of_node {
  using type = std::uint64_t;
  const std::uint64_t& operator()(const counted_node& n) const { return n.key; }
};

using table = owning_hash_table<counted_node, &counted_node::link, key_of_node>;

}  // namespace

TEST_CASE("owning_hash_table: finds every node across bucket growth", "[model][hash_table]") {
  counted_node::alive = 0;
  {
    table t;
    // 64 buckets at first: 10,000 nodes make it double eight times.
    for (std::uint64_t k = 0; k < 10'000; ++k) {
      auto [node, inserted] = t.insert(std::make_unique<counted_node>(k * 7919));
      REQUIRE(inserted);
      REQUIRE(node->key == k * 7919);
    }
    CHECK(t.size() == 10'000);
    CHECK(counted_node::alive == 10'000);
    for (std::uint64_t k = 0; k < 10'000; ++k) {
      const counted_node* found = t.find(k * 7919);
      REQUIRE(found != nullptr);
      CHECK(found->key == k * 7919);
    }
    CHECK(t.find(1) == nullptr);

    std::set<std::uint64_t> seen;
    for (const counted_node& n : t)
      seen.insert(n.key);
    CHECK(seen.size() == 10'000);
  }
  CHECK(counted_node::alive == 0);  // the destructor deleted every node
}

TEST_CASE("owning_hash_table: a second node with a taken key is deleted, the first kept",
          "[model][hash_table]") {
  counted_node::alive = 0;
  table t;
  auto [first, inserted] = t.insert(std::make_unique<counted_node>(42));
  REQUIRE(inserted);
  auto [again, inserted_again] = t.insert(std::make_unique<counted_node>(42));
  CHECK_FALSE(inserted_again);
  CHECK(again == first);
  CHECK(t.size() == 1);
  CHECK(counted_node::alive == 1);
}

TEST_CASE("owning_hash_table: erase and clear delete their nodes", "[model][hash_table]") {
  counted_node::alive = 0;
  table t;
  for (std::uint64_t k = 0; k < 1'000; ++k)
    t.insert(std::make_unique<counted_node>(k));
  for (std::uint64_t k = 0; k < 1'000; k += 2)
    t.erase(*t.find(k));
  CHECK(t.size() == 500);
  CHECK(counted_node::alive == 500);
  for (std::uint64_t k = 0; k < 1'000; ++k)
    CHECK((t.find(k) != nullptr) == (k % 2 == 1));
  t.clear();
  CHECK(t.empty());
  CHECK(counted_node::alive == 0);
}

TEST_CASE("compact_string: reads like a string, costs a pointer while empty", "[model]") {
  STATIC_REQUIRE(sizeof(compact_string) == sizeof(void*));
  compact_string empty;
  CHECK(empty.empty());
  CHECK(empty.view().empty());
  CHECK(empty == "");

  compact_string node = std::string("worker-1");
  CHECK_FALSE(node.empty());
  CHECK(node == "worker-1");
  CHECK(node.size() == 8);
  CHECK(node.str() == "worker-1");

  compact_string copy = node;
  node = "worker-2";
  CHECK(copy == "worker-1");  // a deep copy
  CHECK(node == "worker-2");
  node = std::string();
  CHECK(node.empty());
}

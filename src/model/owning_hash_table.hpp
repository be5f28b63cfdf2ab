#pragma once
/// A hash table of heap nodes that it owns, found by a key the nodes carry,
/// with the link inside the node (Boost.Intrusive). A node that also carries
/// the hooks of other indexes costs one allocation for all of them, where
/// a std::unordered_map plus std::sets cost one node per index; at a million
/// queued jobs that difference is most of the memory per job. The bucket
/// array doubles as the table fills, so lookups stay O(1).

#include <boost/intrusive/unordered_set.hpp>

#include <cstddef>
#include <memory>
#include <utility>

namespace jobforge {

/// The link a node embeds to be held by an owning_hash_table.
using hash_table_hook = boost::intrusive::unordered_set_member_hook<
    boost::intrusive::link_mode<boost::intrusive::normal_link>>;

/// `Node` carries a hash_table_hook at `HookMember`; `KeyOf` is a function
/// object with a `type` (the key) and `const type& operator()(const Node&)`.
/// Other intrusive indexes holding a node must drop it before the table
/// erases it.
template <class Node, hash_table_hook Node::*HookMember, class KeyOf,
          class Hash = std::hash<typename KeyOf::type>>
class owning_hash_table {
  using set_type = boost::intrusive::unordered_set<
      Node, boost::intrusive::member_hook<Node, hash_table_hook, HookMember>,
      boost::intrusive::key_of_value<KeyOf>, boost::intrusive::hash<Hash>,
      boost::intrusive::power_2_buckets<true>, boost::intrusive::constant_time_size<true>>;
  using bucket_type = typename set_type::bucket_type;
  using bucket_traits = typename set_type::bucket_traits;
  static constexpr std::size_t initial_buckets = 64;

 public:
  using key_type = typename KeyOf::type;
  using iterator = typename set_type::iterator;
  using const_iterator = typename set_type::const_iterator;

  owning_hash_table()
      : buckets_(std::make_unique<bucket_type[]>(initial_buckets)),
        bucket_count_(initial_buckets),
        set_(bucket_traits(buckets_.get(), bucket_count_)) {}
  owning_hash_table(const owning_hash_table&) = delete;
  owning_hash_table& operator=(const owning_hash_table&) = delete;
  ~owning_hash_table() { clear(); }

  /// Takes ownership of `node`; if a node with its key is already there,
  /// `node` is deleted and the one there is returned with false.
  std::pair<Node*, bool> insert(std::unique_ptr<Node> node) {
    auto [it, inserted] = set_.insert(*node);
    if (!inserted) return {&*it, false};
    Node* held = node.release();
    if (set_.size() > bucket_count_) grow();
    return {held, true};
  }

  Node* find(const key_type& key) {
    auto it = set_.find(key);
    return it == set_.end() ? nullptr : &*it;
  }
  const Node* find(const key_type& key) const {
    auto it = set_.find(key);
    return it == set_.end() ? nullptr : &*it;
  }

  /// Unlinks and deletes a node held by this table.
  void erase(Node& node) { set_.erase_and_dispose(set_.iterator_to(node), deleter{}); }

  void clear() { set_.clear_and_dispose(deleter{}); }

  std::size_t size() const { return set_.size(); }
  bool empty() const { return set_.empty(); }
  iterator begin() { return set_.begin(); }
  iterator end() { return set_.end(); }
  const_iterator begin() const { return set_.begin(); }
  const_iterator end() const { return set_.end(); }

 private:
  struct deleter {
    void operator()(Node* node) const { delete node; }
  };

  void grow() {
    const std::size_t count = bucket_count_ * 2;
    auto bigger = std::make_unique<bucket_type[]>(count);
    set_.rehash(bucket_traits(bigger.get(), count));
    buckets_ = std::move(bigger);
    bucket_count_ = count;
  }

  std::unique_ptr<bucket_type[]> buckets_;
  std::size_t bucket_count_;
  set_type set_;
};

}  // namespace jobforge

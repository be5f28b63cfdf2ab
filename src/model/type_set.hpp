#pragma once
/// A set of job types by their index in the ready queue (the order they
/// were declared in): which types a node's executors can run. `all()` holds
/// every type, also those declared after it was made.

#include <cstddef>
#include <vector>

namespace jobforge {

/// Job types by index.
class type_set {
 public:
  /// The empty set.
  type_set() = default;
  /// Every type.
  static type_set all() {
    type_set s;
    s.all_ = true;
    return s;
  }

  void insert(std::size_t type) {
    if (all_) return;
    if (type >= bits_.size()) bits_.resize(type + 1, false);
    bits_[type] = true;
  }
  bool contains(std::size_t type) const { return all_ || (type < bits_.size() && bits_[type]); }
  /// Adds every type of `other`.
  void merge(const type_set& other) {
    if (all_) return;
    if (other.all_) {
      *this = all();
      return;
    }
    if (other.bits_.size() > bits_.size()) bits_.resize(other.bits_.size(), false);
    for (std::size_t t = 0; t < other.bits_.size(); ++t)
      if (other.bits_[t]) bits_[t] = true;
  }
  bool is_all() const { return all_; }
  bool empty() const {
    if (all_) return false;
    for (bool b : bits_)
      if (b) return false;
    return true;
  }

 private:
  bool all_ = false;
  std::vector<bool> bits_;
};

}  // namespace jobforge

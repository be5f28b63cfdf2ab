#pragma once
/// Items an actor sends on in batches: those that come in while it is busy
/// go out together. The first item of a batch puts a flush_atom at the end
/// of the actor's mailbox, so everything already queued before it joins
/// the batch; a full batch goes at once. Used by both ends of a node
/// session (node_link, worker_agent).

#include "actors/protocol.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace jobforge {

template <class T>
class mailbox_batch {
 public:
  explicit mailbox_batch(std::size_t max) : max_(max) {}

  /// Adds `item`; true when the batch is full and should go now.
  template <class Actor>
  bool add(Actor* self, T item) {
    items_.push_back(std::move(item));
    if (items_.size() >= max_) return true;
    if (!flush_due_) {
      flush_due_ = true;
      self->send(self, flush_atom::value);
    }
    return false;
  }

  /// The flush_atom came back: whatever is there goes.
  void flushed() { flush_due_ = false; }

  bool empty() const { return items_.empty(); }

  /// The items, leaving the batch empty.
  std::vector<T> take() { return std::exchange(items_, {}); }

 private:
  std::size_t max_;
  std::vector<T> items_;
  bool flush_due_ = false;  ///< a flush_atom is in the mailbox
};

}  // namespace jobforge

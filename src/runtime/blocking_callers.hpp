#pragma once
/// Reusable blocking actors for the runtime's synchronous API calls.
///
/// Why: a `caf::scoped_actor` per call costs an actor registration, and its
/// destruction pushes one event through CAF 0.17's single clock thread
/// (docs/caf-termination-hazard.md, P1). At tens of thousands of `submit()`
/// calls per second that was the largest cost of a call. A caller borrows
/// an idle one instead, and gives it back after its answer arrived.
///
/// Only calls that always get their one answer (no CAF timeout) may use a
/// borrowed actor: an answer arriving after a timeout would stay in its
/// mailbox and reach nobody.
///
/// `close()` destroys the idle actors and makes later returns destroy
/// theirs: it must run before the actor system goes away.

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace jobforge {

class blocking_callers {
 public:
  explicit blocking_callers(caf::actor_system& sys) : sys_(sys) {}
  ~blocking_callers() { close(); }
  blocking_callers(const blocking_callers&) = delete;
  blocking_callers& operator=(const blocking_callers&) = delete;

  /// A borrowed blocking actor; goes back to the pool when destroyed.
  class lease {
   public:
    lease(blocking_callers& owner, std::unique_ptr<caf::scoped_actor> actor)
        : owner_(owner), actor_(std::move(actor)) {}
    ~lease() { owner_.give_back(std::move(actor_)); }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    caf::scoped_actor& operator*() { return *actor_; }
    caf::blocking_actor* operator->() { return actor_->ptr(); }

   private:
    blocking_callers& owner_;
    std::unique_ptr<caf::scoped_actor> actor_;
  };

  lease borrow() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (!idle_.empty()) {
        auto actor = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(actor));
      }
    }
    return lease(*this, std::make_unique<caf::scoped_actor>(sys_));
  }

  void close() {
    std::vector<std::unique_ptr<caf::scoped_actor>> gone;
    std::lock_guard<std::mutex> guard(mutex_);
    closed_ = true;
    gone.swap(idle_);
  }

 private:
  void give_back(std::unique_ptr<caf::scoped_actor> actor) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!closed_) idle_.push_back(std::move(actor));
  }

  caf::actor_system& sys_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<caf::scoped_actor>> idle_;
  bool closed_ = false;
};

}  // namespace jobforge

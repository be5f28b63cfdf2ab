#pragma once
/// One OS thread that runs blocking handler code for an executor actor, off
/// CAF's cooperative scheduler. Abandoning it (when a handler ignores its
/// stop token past the grace period) detaches the thread: it finishes the
/// task it is stuck in, then ends by itself, and nothing waits for it.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace jobforge {

/// A single-task worker thread.
class worker_thread {
 public:
  worker_thread();
  ~worker_thread();  ///< abandons the thread (see above)
  worker_thread(const worker_thread&) = delete;
  worker_thread& operator=(const worker_thread&) = delete;

  /// Hands the thread its next task; the previous one must have finished.
  void post(std::function<void()> task);

 private:
  struct shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::optional<std::function<void()>> task;
    bool abandoned = false;
  };
  static void loop(std::shared_ptr<shared> s);
  std::shared_ptr<shared> shared_;
};

}  // namespace jobforge

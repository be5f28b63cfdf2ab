#pragma once
/// The Linux scheduling policy of the threads jobforge starts.
///
/// Why SCHED_BATCH: a job crosses several threads (the caller or HTTP
/// worker, CAF's workers, the store writer, an executor), each hand-off a
/// wake-up. Under SCHED_OTHER a thread woken on a busy core preempts the
/// thread that woke it, which then waits for the core back; under
/// SCHED_BATCH the waker goes on until it blocks. On a 2-core machine that
/// took 40-75% of the context switches away and 25-35% of the CPU per job
/// (bench/README.md, 2026-12-02). Latency at low load is unchanged: a woken
/// thread still gets an idle core at once.

namespace jobforge {

/// Moves the calling thread from SCHED_OTHER to SCHED_BATCH; the threads it
/// starts from then on inherit it. True when it did; false when the thread
/// runs under another policy (left alone: SCHED_BATCH already, or a
/// real-time policy someone chose) or the kernel refused (errno set).
bool enter_batch_policy();

/// Moves the calling thread from SCHED_BATCH back to SCHED_OTHER.
void leave_batch_policy();

/// SCHED_BATCH for the calling thread while the scope lives (when `wanted`
/// and the thread runs under SCHED_OTHER), then SCHED_OTHER again, even
/// when the scope is left by an exception.
class batch_policy_scope {
 public:
  explicit batch_policy_scope(bool wanted) : entered_(wanted && enter_batch_policy()) {}
  ~batch_policy_scope() {
    if (entered_) leave_batch_policy();
  }
  batch_policy_scope(const batch_policy_scope&) = delete;
  batch_policy_scope& operator=(const batch_policy_scope&) = delete;

 private:
  bool entered_;
};

}  // namespace jobforge

#include "runtime/thread_policy.hpp"

#include <sched.h>

namespace jobforge {

bool enter_batch_policy() {
  if (::sched_getscheduler(0) != SCHED_OTHER) return false;
  const sched_param param{};  // both policies take priority 0
  return ::sched_setscheduler(0, SCHED_BATCH, &param) == 0;
}

void leave_batch_policy() {
  if (::sched_getscheduler(0) != SCHED_BATCH) return;
  const sched_param param{};
  static_cast<void>(::sched_setscheduler(0, SCHED_OTHER, &param));
}

}  // namespace jobforge

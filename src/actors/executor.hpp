#pragma once
/// An executor: one slot that runs one attempt at a time. In real time the
/// handler runs on the executor's own worker thread, off CAF's cooperative
/// scheduler; in simulated time it runs inline and its report and outcome
/// are delivered as delayed messages at the simulated instants they happened.
///
/// Receives: (attempt_atom, attempt_order); (stop_atom, job_id, attempt, reason).
/// When it ends (killed, or its pool stopped), the attempt it runs is asked
/// to stop (reason shutdown), and its worker thread is abandoned.
/// Sends to the attempt's supervisor: (progress_atom, progress_report),
/// (log_atom, attempt_log) for a remote attempt, (outcome_atom, attempt_outcome).

#include "actors/runtime_env.hpp"
#include "actors/worker_thread.hpp"
#include "model/stop_token.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <optional>

namespace jobforge {

struct executor_state {
  std::unique_ptr<worker_thread> worker;  ///< threads mode only
  std::optional<stop_source> current_stop;
  int current_attempt = 0;
  job_id current_job;
  executor_state() = default;
  executor_state(const executor_state&) = delete;
  executor_state& operator=(const executor_state&) = delete;
  ~executor_state() {
    if (current_stop) current_stop->request_stop(stop_reason::shutdown);
  }
  static inline const char* name = "executor";
};

caf::behavior executor(caf::stateful_actor<executor_state>* self, env_ptr env);

}  // namespace jobforge

#pragma once
/// The event hub: numbers each status change, progress report and log line
/// and forwards it to every subscriber. Subscribers are monitored, so a dead
/// one is dropped; the shared subscriber count lets publishers skip building
/// events nobody will read. Log lines are also kept, bounded, in the job
/// log book, whether anyone listens or not (GET /api/jobs/{id}/logs).
///
/// Receives: (event_atom, job_event); (subscribe_atom, actor);
/// (unsubscribe_atom, actor); (logs_atom, job_id) -> job_log_book::lines_of.
/// Sends: (event_atom, job_event) to subscribers.

#include "actors/runtime_env.hpp"
#include "model/job_log_book.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <vector>

namespace jobforge {

struct event_hub_state {
  std::vector<caf::actor> subscribers;
  std::uint64_t sequence = 0;
  job_log_book logs;
  static inline const char* name = "event_hub";
};

caf::behavior event_hub(caf::stateful_actor<event_hub_state>* self, env_ptr env);

/// Publishes an event if anyone listens (callable from any actor).
void publish(caf::event_based_actor* self, const runtime_env& env, struct job_event event);

/// Publishes a job's log line (kept by the hub even when nobody listens).
void publish_log(caf::event_based_actor* self, const runtime_env& env, const struct job& j,
                 job_log_line line);

/// Publishes the latest status change of `j` (its last history entry), if
/// anyone listens.
void publish_change(caf::event_based_actor* self, const runtime_env& env, const struct job& j);

}  // namespace jobforge

#pragma once
/// The schedule keeper: fires the periodic schedules (docs/schedules.md).
/// It holds every schedule (the config's and the API's) with its record,
/// keeps one timer armed for the earliest next tick, and on a tick hands
/// the due jobs to the scheduler together with the schedule's new record,
/// which the scheduler stores in the jobs' own transaction: a tick fires at
/// most once, across crashes and takeovers alike. A firing the store could
/// not take (an outage) is tried again a second later from the same tick;
/// one the scheduler refuses (a type gone, a payload its schema now
/// rejects) counts as a failure and the schedule moves on to its next tick.
///
/// Operations on a schedule whose firing or write is in flight wait for it,
/// so that two writes of one record never race.
///
/// Receives: (schedule_list_atom), (schedule_create_atom, ...),
/// (schedule_delete_atom, ...), (schedule_pause_atom, ...),
/// (schedule_trigger_atom, ...) (protocol.hpp); (wake_atom, generation)
/// from itself.

#include "actors/runtime_env.hpp"
#include "model/cron_expression.hpp"
#include "model/schedule_book.hpp"
#include "model/schedule_record.hpp"
#include "model/zone_rules.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace jobforge {

/// A schedule's compiled form and what it has done.
struct live_schedule {
  std::optional<cron_expression> expression;  ///< nullopt: it cannot fire (see record.last_error)
  std::shared_ptr<const zone_rules> zone;
  schedule_record record;
  bool busy = false;                  ///< a firing or a write of its record is in flight
  std::optional<timestamp> retry_at;  ///< a firing the store could not take goes again then
  std::vector<std::function<void()>> after_busy;  ///< operations waiting for it
};

struct schedule_keeper_state {
  env_ptr env;
  schedule_book book;
  std::map<std::string, live_schedule, std::less<>> live;
  std::uint64_t alarm = 0;  ///< the armed timer's generation; older ones are ignored
  static inline const char* name = "schedule_keeper";
};

using schedule_keeper_actor = caf::stateful_actor<schedule_keeper_state>;

/// `records`: what the store holds (stored API schedules with their
/// definitions, and config schedules' records). Config schedules come from
/// env->config.schedules.
caf::behavior schedule_keeper(schedule_keeper_actor* self, env_ptr env,
                              std::vector<schedule_record> records);

}  // namespace jobforge

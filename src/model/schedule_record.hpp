#pragma once
/// What is kept of a schedule between firings and across restarts: when it
/// last fired and what that made, whether it is paused, and (for a schedule
/// created through the API) its definition. The runtime writes the record
/// in the same store transaction as the jobs a firing makes, so a tick
/// fires at most once even across a crash or a takeover. Also the JSON of a
/// definition, as the config file and the API take it.

#include "model/error.hpp"
#include "model/job_id.hpp"
#include "model/schedule.hpp"
#include "model/time.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace jobforge {

struct schedule_record {
  std::string name;
  /// Schedules created through the API; a config schedule's definition
  /// comes from the config at each start.
  std::optional<schedule_definition> definition;
  bool paused = false;
  /// Created or last resumed: for a schedule that never fired since, the
  /// ticks due are those after it.
  timestamp since{};
  std::optional<timestamp> last_tick;      ///< the last tick that fired
  std::optional<timestamp> last_fired_at;  ///< when a tick or a trigger last made a job
  std::optional<job_id> last_job;          ///< the job it made then
  std::uint64_t fires = 0;                 ///< jobs made (ticks and triggers)
  std::uint64_t skipped = 0;               ///< missed ticks that did not fire
  std::uint64_t failures = 0;              ///< firings whose job could not be made
  std::optional<std::string> last_error;   ///< why the last firing failed, if it did
  std::string created_by;                  ///< who created an API schedule

  /// The instant ticks are counted from: the last fired tick, else `since`.
  timestamp ticks_since() const { return last_tick ? std::max(*last_tick, since) : since; }
};

/// A definition as the config and the API write it: {"name", "cron",
/// "zone", "on_missed", "catch_up_cap", "paused", "job": {submission}}.
/// Strict (unknown fields are errors naming their path); not validated
/// beyond its shape (validate_schedule does that).
boost::json::value to_json(const schedule_definition& s);
expected<schedule_definition> schedule_definition_from_json(const boost::json::value& v);

/// The stored form of a record.
boost::json::value to_json(const schedule_record& r);
expected<schedule_record> schedule_record_from_json(const boost::json::value& v);

}  // namespace jobforge

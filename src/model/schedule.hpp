#pragma once
/// A periodic schedule (docs/schedules.md): a name, a cron expression in an
/// IANA time zone, the job each tick submits, and what to do with ticks
/// missed while nothing could fire them. Pure: the runtime passes the last
/// fired tick and `now`, and fires what ticks_due returns.

#include "model/cron_expression.hpp"
#include "model/error.hpp"
#include "model/job_request.hpp"
#include "model/time.hpp"
#include "model/zone_rules.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge {

/// What happens to ticks missed during downtime.
enum class missed_ticks_policy {
  catch_up,  ///< fire the missed ticks, at most `catch_up_cap` of them (the latest)
  skip,      ///< fire only the latest missed tick
};

/// The wire name: "catch_up" or "skip".
std::string_view to_string(missed_ticks_policy p);

/// Parses "catch_up" or "skip".
std::optional<missed_ticks_policy> parse_missed_ticks_policy(std::string_view text);

/// The largest catch_up_cap accepted.
inline constexpr int max_catch_up_cap = 1'000;

/// One schedule as configured or created through the API.
struct schedule_definition {
  std::string name;
  std::string cron;          ///< the expression's text (cron_expression.hpp)
  std::string zone = "UTC";  ///< an IANA time zone name
  job_request job;           ///< type, payload and options of every job it submits
  missed_ticks_policy on_missed = missed_ticks_policy::skip;
  int catch_up_cap = 10;  ///< with catch_up: at most this many missed ticks fire
  bool paused = false;
};

/// Whether `name` fits [a-z0-9][a-z0-9._-]{0,63}, like a job type's name.
bool is_valid_schedule_name(std::string_view name);

/// Checks a definition (all but its zone, which jobforge_zones resolves):
/// the name, a job type, the cron expression, the cap, and no job option a
/// recurring job cannot have. Returns the parsed expression; errors name
/// the schedule and the field.
expected<cron_expression> validate_schedule(const schedule_definition& s);

/// Missed ticks beyond this many are counted as this many.
inline constexpr std::uint64_t missed_count_limit = 100'000;

/// What to fire now and when to look next.
struct due_ticks {
  std::vector<timestamp> fire;    ///< ticks to fire, oldest first
  std::uint64_t skipped = 0;      ///< missed ticks that will not fire (saturates)
  std::optional<timestamp> next;  ///< the first tick after now; nullopt when paused or never
};

/// The ticks of `s` due at `now`: those in (since, now], where `since` is
/// the last fired tick (or, for a schedule that never fired, the instant it
/// was created or resumed). `skip` fires the latest; `catch_up` the latest
/// `catch_up_cap`, oldest first; the others count as skipped. A paused
/// schedule has nothing due. After firing, the caller records the last
/// fired tick (`fire.back()`) as the next call's `since`.
due_ticks ticks_due(const schedule_definition& s, const cron_expression& e, const zone_rules& zone,
                    timestamp since, timestamp now);

}  // namespace jobforge

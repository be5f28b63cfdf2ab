#pragma once
/// When a cron expression fires in a time zone. The expression is matched
/// against local wall time; daylight-saving transitions follow Vixie cron
/// (Debian's cron), as docs/schedules.md explains:
///  - a local time skipped by a spring-forward gap fires once, at the first
///    instant after the gap (02:30 on the day New York jumps from 02:00 to
///    03:00 fires at 03:00 EDT); several skipped matches fire once together;
///  - a local time repeated by a fall-back overlap fires once, at its first
///    occurrence, unless the minute or hour field starts with `*`: such a
///    schedule follows the clock and fires in both occurrences, so
///    `0 * * * *` still fires every real hour.

#include "model/cron_expression.hpp"
#include "model/time.hpp"
#include "model/zone_rules.hpp"

#include <optional>

namespace jobforge {

/// How far ahead next_fire_time looks: the Gregorian calendar (weekdays
/// included) repeats every 400 years, so an expression that has no fire
/// time in this span has none at all.
inline constexpr std::chrono::seconds fire_search_horizon{146'097LL * 86'400};

/// The first instant strictly after `after` at which `e` fires in `zone`
/// (always a whole second), or nullopt when there is none before the search
/// horizon or max_timestamp.
std::optional<timestamp> next_fire_time(const cron_expression& e, const zone_rules& zone,
                                        timestamp after);

}  // namespace jobforge

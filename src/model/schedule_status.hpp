#pragma once
/// A schedule as the API and the dashboard show it: its definition and
/// origin, what it has done (its record), and when it fires next.

#include "model/schedule_book.hpp"
#include "model/schedule_record.hpp"

#include <boost/json/value.hpp>

#include <optional>

namespace jobforge {

struct schedule_status {
  schedule_definition definition;  ///< `paused` as it is now, not as first configured
  schedule_origin origin = schedule_origin::api;
  schedule_record record;
  std::optional<timestamp> next_fire_at;  ///< nullopt: paused, or no tick ahead
};

/// {"name", "cron", "zone", "on_missed", "catch_up_cap", "paused", "job",
/// "origin", "next_fire_at", "last_tick", "last_fired_at", "last_job",
/// "fires", "skipped", "failures", "last_error", "created_by", "since"}.
boost::json::value to_json(const schedule_status& s);

}  // namespace jobforge

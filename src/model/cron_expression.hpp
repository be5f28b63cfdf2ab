#pragma once
/// A cron expression (docs/schedules.md): five fields (minute hour
/// day-of-month month day-of-week), an optional leading seconds field, or
/// one of the names @yearly, @annually, @monthly, @weekly, @daily,
/// @midnight, @hourly. Parsed once into the set of values of each field;
/// matching and the calendar search work on wall-clock (local) time only:
/// time zones are next_fire.hpp's business.

#include "model/error.hpp"

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// The clock of local wall time: a time_point on it is a reading of a
/// wall clock in some zone, not an instant.
struct wall_clock {};

/// Wall-clock time in whole seconds since 1970-01-01 00:00:00 local.
using local_seconds = std::chrono::time_point<wall_clock, std::chrono::seconds>;

/// A local time split into the fields cron looks at.
struct civil_time {
  std::int64_t year = 1970;
  unsigned month = 1;    ///< 1-12
  unsigned day = 1;      ///< 1-31
  unsigned weekday = 4;  ///< 0 = Sunday
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
};

/// Splits a local time into calendar fields.
civil_time to_civil(local_seconds t);

/// A parsed cron expression.
class cron_expression {
 public:
  /// Parses `text`; the error names the field and the bad token, e.g.
  /// "minute: 61 is out of range 0-59". An expression that can never fire
  /// (`0 0 30 2 *`) is refused here too.
  static expected<cron_expression> parse(std::string_view text);

  /// The text it was parsed from, as given.
  const std::string& text() const { return text_; }

  /// Whether the local time `t` matches every field (day-of-month and
  /// day-of-week combined by cron's OR rule).
  bool matches(const civil_time& t) const;

  /// Whether the local day matches (the day-of-month / day-of-week rule).
  bool matches_day(std::int64_t year, unsigned month, unsigned day, unsigned weekday) const;

  /// The first local time in [from, until) that matches, or nullopt.
  std::optional<local_seconds> first_match(local_seconds from, local_seconds until) const;

  /// Whether the minute or hour field starts with `*` (@hourly included):
  /// such a schedule follows the clock through a repeated hour (Vixie
  /// cron's "wildcard" jobs), see next_fire.hpp.
  bool is_wildcard_time() const { return wildcard_time_; }

 private:
  friend class cron_parser;
  cron_expression() = default;

  std::string text_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    ///< bit d = day d of the month, 1-31
  std::bitset<13> months_;  ///< bit m = month m, 1-12
  std::bitset<7> weekdays_;
  bool day_of_month_star_ = false;  ///< the field starts with `*` (or is `?`)
  bool day_of_week_star_ = false;
  bool wildcard_time_ = false;
};

}  // namespace jobforge

#include "model/cron_expression.hpp"

#include "model/civil_date.hpp"

#include <cstddef>

namespace jobforge {
namespace {

constexpr std::int64_t seconds_per_day = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The first set bit at or after `from`, or -1.
template <std::size_t N>
int next_set(const std::bitset<N>& bits, unsigned from) {
  for (std::size_t i = from; i < N; ++i)
    if (bits[i]) return static_cast<int>(i);
  return -1;
}

local_seconds at_day(std::int64_t day_number, std::int64_t second_of_day = 0) {
  return local_seconds{std::chrono::seconds{day_number * seconds_per_day + second_of_day}};
}

}  // namespace

civil_time to_civil(local_seconds t) {
  const std::int64_t secs = t.time_since_epoch().count();
  const std::int64_t days = floor_div(secs, seconds_per_day);
  const auto rem = static_cast<unsigned>(secs - days * seconds_per_day);
  civil_time c;
  civil_from_days(days, c.year, c.month, c.day);
  c.weekday = weekday_from_days(days);
  c.hour = rem / 3600;
  c.minute = rem / 60 % 60;
  c.second = rem % 60;
  return c;
}

bool cron_expression::matches_day(std::int64_t year, unsigned month, unsigned day,
                                  unsigned weekday) const {
  if (day > days_in_month(year, month)) return false;
  const bool dom = days_[day];
  const bool dow = weekdays_[weekday];
  // Vixie cron's rule: when either field starts with `*`, a day must match
  // both; when both are restricted, matching either is enough.
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

bool cron_expression::matches(const civil_time& t) const {
  return seconds_[t.second] && minutes_[t.minute] && hours_[t.hour] && months_[t.month] &&
         matches_day(t.year, t.month, t.day, t.weekday);
}

std::optional<local_seconds> cron_expression::first_match(local_seconds from,
                                                          local_seconds until) const {
  local_seconds t = from;
  // Each step moves `t` forward to the start of the next unit that can still
  // match (month, day, hour, minute), so a year costs at most a few hundred
  // steps even for an expression that fires once in it.
  while (t < until) {
    const civil_time c = to_civil(t);
    const std::int64_t day_number = floor_div(t.time_since_epoch().count(), seconds_per_day);
    if (!months_[c.month]) {
      const std::int64_t y = c.month == 12 ? c.year + 1 : c.year;
      const unsigned m = c.month == 12 ? 1 : c.month + 1;
      t = at_day(days_from_civil(y, m, 1));
      continue;
    }
    if (!matches_day(c.year, c.month, c.day, c.weekday)) {
      t = at_day(day_number + 1);
      continue;
    }
    const int h = next_set(hours_, c.hour);
    if (h < 0) {
      t = at_day(day_number + 1);
      continue;
    }
    if (static_cast<unsigned>(h) != c.hour) {
      t = at_day(day_number, h * 3600);
      continue;
    }
    const int m = next_set(minutes_, c.minute);
    if (m < 0) {
      t = at_day(day_number, (h + 1) * 3600);
      continue;
    }
    if (static_cast<unsigned>(m) != c.minute) {
      t = at_day(day_number, h * 3600 + m * 60);
      continue;
    }
    const int s = next_set(seconds_, c.second);
    if (s < 0) {
      t = at_day(day_number, h * 3600 + (m + 1) * 60);
      continue;
    }
    const local_seconds found = at_day(day_number, h * 3600 + m * 60 + s);
    if (found < until) return found;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace jobforge

#include "model/next_fire.hpp"

#include <algorithm>

namespace jobforge {
namespace {

using std::chrono::seconds;

local_seconds to_local(sys_seconds t, seconds offset) {
  return local_seconds{t.time_since_epoch() + offset};
}

sys_seconds to_sys(local_seconds t, seconds offset) {
  return sys_seconds{t.time_since_epoch() - offset};
}

}  // namespace

std::optional<timestamp> next_fire_time(const cron_expression& e, const zone_rules& zone,
                                        timestamp after) {
  const sys_seconds limit = std::chrono::floor<seconds>(max_timestamp);
  const sys_seconds from = std::chrono::floor<seconds>(after) + seconds{1};
  const sys_seconds horizon = std::min(from + fire_search_horizon, limit);
  // Walk the zone's periods forward from `from`; within one period local
  // time is UTC plus a fixed offset, so the calendar search applies as is.
  zone_period p = zone.period_at(from);
  while (p.begin <= horizon && from <= horizon) {
    const sys_seconds lo = std::max(from, p.begin);
    const sys_seconds hi = std::min(p.end, horizon + seconds{1});
    if (lo < hi) {
      const seconds previous_offset = zone.period_at(p.begin - seconds{1}).offset;
      if (previous_offset < p.offset && lo == p.begin) {
        // Spring forward: the local times [begin + previous, begin + offset)
        // never happen; one that matches fires at the first instant after.
        if (e.first_match(to_local(p.begin, previous_offset), to_local(p.begin, p.offset)))
          return timestamp{p.begin.time_since_epoch()};
      }
      local_seconds local_lo = to_local(lo, p.offset);
      if (previous_offset > p.offset && !e.is_wildcard_time()) {
        // Fall back: the local times before begin + previous already
        // happened once, in the previous period; fire them only there.
        local_lo = std::max(local_lo, to_local(p.begin, previous_offset));
      }
      if (auto m = e.first_match(local_lo, to_local(hi, p.offset)))
        return timestamp{to_sys(*m, p.offset).time_since_epoch()};
    }
    if (p.end > horizon) break;
    p = zone.period_at(p.end);
  }
  return std::nullopt;
}

}  // namespace jobforge

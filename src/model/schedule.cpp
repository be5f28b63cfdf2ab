#include "model/schedule.hpp"

#include "model/next_fire.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <deque>

namespace jobforge {
namespace {

error invalid(const schedule_definition& s, std::string_view field, const std::string& what) {
  return error{error_code::invalid_argument, "schedule '" + s.name + "': " + what,
               boost::json::object{{"schedule", s.name}, {"field", field}}};
}

}  // namespace

std::string_view to_string(missed_ticks_policy p) {
  return p == missed_ticks_policy::catch_up ? "catch_up" : "skip";
}

std::optional<missed_ticks_policy> parse_missed_ticks_policy(std::string_view text) {
  if (text == "catch_up") return missed_ticks_policy::catch_up;
  if (text == "skip") return missed_ticks_policy::skip;
  return std::nullopt;
}

bool is_valid_schedule_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

expected<cron_expression> validate_schedule(const schedule_definition& s) {
  if (!is_valid_schedule_name(s.name))
    return error{error_code::invalid_argument,
                 "schedule name '" + s.name + "' must match [a-z0-9][a-z0-9._-]{0,63}",
                 boost::json::object{{"schedule", s.name}, {"field", "name"}}};
  if (s.job.type.empty()) return invalid(s, "type", "type is missing");
  if (s.catch_up_cap < 1 || s.catch_up_cap > max_catch_up_cap)
    return invalid(s, "catch_up_cap",
                   "catch_up_cap must be within 1.." + std::to_string(max_catch_up_cap));
  // Each tick decides when its job runs, and a fixed set of parents would
  // be met once and for all: neither makes sense for a recurring job.
  if (s.job.run_at || s.job.run_in_ms)
    return invalid(s, "run_at", "a scheduled job cannot have run_at or run_in_ms");
  if (!s.job.dependencies.empty())
    return invalid(s, "depends_on", "a scheduled job cannot depend on other jobs");
  auto e = cron_expression::parse(s.cron);
  if (!e) return invalid(s, "cron", "cron '" + s.cron + "': " + e.error_value().message);
  return e;
}

due_ticks ticks_due(const schedule_definition& s, const cron_expression& e, const zone_rules& zone,
                    timestamp since, timestamp now) {
  due_ticks out;
  if (s.paused) return out;
  // Never before `since`: a tick fires at most once even if the clock steps back.
  out.next = next_fire_time(e, zone, std::max(since, now));
  if (now <= since) return out;

  const std::size_t wanted =
      s.on_missed == missed_ticks_policy::skip ? 1 : static_cast<std::size_t>(s.catch_up_cap);
  // The latest `wanted` ticks in (since, now], looked for in a window that
  // doubles backwards from now: after a long outage this costs about what
  // the kept ticks cost, not one step per tick missed.
  std::deque<timestamp> kept;
  std::uint64_t in_window = 0;
  timestamp start = since;
  for (milliseconds width{1'000};; width *= 2) {
    start = now - since <= width ? since : now - width;
    kept.clear();
    in_window = 0;
    for (auto t = next_fire_time(e, zone, start); t && *t <= now; t = next_fire_time(e, zone, *t)) {
      ++in_window;
      kept.push_back(*t);
      if (kept.size() > wanted) kept.pop_front();
    }
    if (kept.size() >= wanted || start == since) break;
  }
  out.fire.assign(kept.begin(), kept.end());
  out.skipped = in_window - kept.size();
  for (auto t = next_fire_time(e, zone, since);
       start > since && t && *t <= start && out.skipped < missed_count_limit;
       t = next_fire_time(e, zone, *t))
    ++out.skipped;
  out.skipped = std::min(out.skipped, missed_count_limit);
  return out;
}

}  // namespace jobforge

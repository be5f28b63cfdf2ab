#include "model/schedule_status.hpp"

#include <boost/json.hpp>

namespace jobforge {

boost::json::value to_json(const schedule_status& s) {
  auto out = to_json(s.definition).as_object();
  const auto& r = s.record;
  out["origin"] = to_string(s.origin);
  out["since"] = format_rfc3339(r.since);
  const auto time_or_null = [](const std::optional<timestamp>& t) -> boost::json::value {
    if (t) return boost::json::value(format_rfc3339(*t));
    return nullptr;
  };
  out["next_fire_at"] = time_or_null(s.next_fire_at);
  out["last_tick"] = time_or_null(r.last_tick);
  out["last_fired_at"] = time_or_null(r.last_fired_at);
  out["last_job"] = r.last_job ? boost::json::value(to_string(*r.last_job)) : nullptr;
  out["fires"] = r.fires;
  out["skipped"] = r.skipped;
  out["failures"] = r.failures;
  out["last_error"] = r.last_error ? boost::json::value(*r.last_error) : nullptr;
  out["created_by"] = r.created_by;
  return out;
}

}  // namespace jobforge

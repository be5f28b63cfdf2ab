#include "model/priority.hpp"

namespace jobforge {

std::string_view to_string(priority p) {
  switch (p) {
    case priority::low:
      return "low";
    case priority::normal:
      return "normal";
    case priority::high:
      return "high";
    case priority::critical:
      return "critical";
  }
  return "normal";
}

std::optional<priority> parse_priority(std::string_view text) {
  for (auto p : {priority::low, priority::normal, priority::high, priority::critical})
    if (to_string(p) == text) return p;
  return std::nullopt;
}

double effective_priority(priority base, milliseconds waited, const aging_policy& aging) {
  const double level = static_cast<double>(base);
  if (aging.per_level.count() <= 0 || waited.count() <= 0) return level;
  return level + static_cast<double>(waited.count()) / static_cast<double>(aging.per_level.count());
}

dispatch_key make_dispatch_key(priority base, timestamp enqueued_at, std::uint64_t sequence,
                               const aging_policy& aging) {
  const auto level = static_cast<std::int64_t>(base);
  dispatch_key key;
  key.enqueued_at = enqueued_at;
  key.sequence = sequence;
  if (aging.per_level.count() <= 0) {
    key.score = level;
  } else {
    // effective(t) = level + (t - enqueued) / per_level. Scaled by per_level
    // and with the common t dropped, the comparison no longer depends on t.
    key.score = level * aging.per_level.count() - to_unix_ms(enqueued_at);
  }
  return key;
}

}  // namespace jobforge

#pragma once
/// A time zone as the model sees it: stretches of time with one UTC offset
/// each. The model never reads the time-zone database itself; jobforge_zones
/// (src/zones/) implements this over the system's tzdata.

#include <chrono>
#include <string>

namespace jobforge {

/// A UTC instant in whole seconds.
using sys_seconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

/// A stretch of time during which a zone's UTC offset does not change.
struct zone_period {
  sys_seconds begin;            ///< the transition that starts it
  sys_seconds end;              ///< the next transition (exclusive)
  std::chrono::seconds offset;  ///< local wall time = UTC + offset
};

/// The offset rules of one time zone.
class zone_rules {
 public:
  virtual ~zone_rules() = default;

  /// The zone's name, e.g. "Europe/Berlin".
  virtual const std::string& name() const = 0;

  /// The period that contains the instant `t`.
  virtual zone_period period_at(sys_seconds t) const = 0;
};

}  // namespace jobforge

#pragma once
/// IANA time zones for the model's zone_rules, from the system's tzdata
/// (/usr/share/zoneinfo, Debian's `tzdata`) through Howard Hinnant's date
/// library as Debian builds it (USE_OS_TZDB: no download, no text database).
/// Apart from jobforge_model because reading the database is I/O.

#include "model/error.hpp"
#include "model/zone_rules.hpp"

#include <memory>
#include <string_view>

namespace jobforge {

/// The zone named `name` ("Europe/Berlin", "UTC"); an `invalid_argument`
/// error naming it when the database has no such zone. The first call reads
/// the zone list; safe from any thread.
expected<std::shared_ptr<const zone_rules>> find_iana_zone(std::string_view name);

}  // namespace jobforge

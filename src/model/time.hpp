#pragma once
/// Time in the model: millisecond UTC timestamps, always passed in (`now`)
/// rather than read from a clock, plus RFC 3339 formatting and parsing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// A UTC instant with millisecond precision.
using timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using std::chrono::milliseconds;

/// Milliseconds since the Unix epoch.
inline std::int64_t to_unix_ms(timestamp t) {
  return t.time_since_epoch().count();
}

/// The timestamp `ms` milliseconds after the Unix epoch.
inline timestamp from_unix_ms(std::int64_t ms) {
  return timestamp{milliseconds{ms}};
}

/// The range RFC 3339 UTC text can express: years 0001 to 9999.
inline const timestamp min_timestamp =
    from_unix_ms(-62'135'596'800'000);  // 0001-01-01T00:00:00.000Z
inline const timestamp max_timestamp =
    from_unix_ms(253'402'300'799'999);  // 9999-12-31T23:59:59.999Z

/// Formats as RFC 3339 UTC with milliseconds: "2026-11-23T14:05:09.123Z".
std::string format_rfc3339(timestamp t);

/// Parses RFC 3339 ("2026-11-23T14:05:09Z", fractional seconds and numeric
/// offsets accepted); nullopt for anything else, including invalid dates and
/// instants outside [min_timestamp, max_timestamp].
std::optional<timestamp> parse_rfc3339(std::string_view text);

}  // namespace jobforge

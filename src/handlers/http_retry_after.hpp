#pragma once
/// The `Retry-After` response header (RFC 9110 §10.2.3) as a wait.

#include "model/time.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace jobforge::handlers {

/// The wait `value` asks for as seen at `now`: delta-seconds ("120") or an
/// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"); a date already past is no
/// wait at all; nullopt when the value is neither form.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

}  // namespace jobforge::handlers

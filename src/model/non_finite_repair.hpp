#pragma once
/// Repairing documents an earlier jobforge wrote with a number that is not
/// finite: Boost.JSON spelt it `Infinity`, `-Infinity` or `NaN`, which no
/// JSON parser reads, so one such stored job made every listing fail. The
/// SQLite store's migration 4 rewrites those documents with this.

#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// `text` with each `Infinity`, `-Infinity` and `NaN` outside a string
/// replaced by `null` (the value JSON has for a number it cannot carry), or
/// nullopt when there is none. Text inside strings is left alone, so a
/// payload that says "Infinity" keeps saying it.
std::optional<std::string> repair_non_finite_tokens(std::string_view text);

}  // namespace jobforge

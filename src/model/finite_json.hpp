#pragma once
/// JSON numbers must be finite: a parser turns 1e400 into an infinite
/// double, and no JSON text can spell infinity or NaN, so a document holding
/// one can be neither answered nor stored. These find such numbers, by the
/// JSON Pointer (RFC 6901) of where they sit, so that they are refused where
/// they come in and never reach a writer.

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// The JSON Pointer of the first number in `v` that is not finite ("" for
/// `v` itself, "/payload/n" for a member), or nullopt when there is none.
std::optional<std::string> find_non_finite(const boost::json::value& v);

/// Fails with `invalid_argument` when `v` holds a number that is not finite;
/// the error names its path as `at` followed by its pointer within `v`
/// (details: {"path", "reason"}).
expected<void> require_finite(const boost::json::value& v, std::string_view at = "");

/// A member name as one JSON Pointer reference token ("a/b" -> "a~1b").
std::string json_pointer_token(std::string_view key);

}  // namespace jobforge

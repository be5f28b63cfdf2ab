#pragma once
/// Reading and writing JSON text safely: a size limit checked before
/// parsing, errors as values, and only finite numbers either way (see
/// finite_json.hpp).

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace jobforge {

/// Parses `text`; `payload_too_large` (before parsing) when it exceeds
/// `max_bytes`, `invalid_json` with the parser's reason and offset otherwise,
/// and `invalid_argument` naming the path of a number out of range (1e400).
expected<boost::json::value> parse_json(std::string_view text, std::size_t max_bytes);

/// The text of `v`; `invalid_argument` naming the path of a number that is
/// not finite, which Boost.JSON would write as `Infinity` or `NaN` (not JSON).
expected<std::string> json_text(const boost::json::value& v);

/// The JSON type name of a value ("object", "string", ...), for messages.
std::string_view json_kind(const boost::json::value& v);

}  // namespace jobforge

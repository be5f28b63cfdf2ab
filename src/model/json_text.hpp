#pragma once
/// Parsing JSON text safely: a size limit checked before parsing and errors
/// as values.

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace jobforge {

/// Parses `text`; `payload_too_large` (before parsing) when it exceeds
/// `max_bytes`, `invalid_json` with the parser's reason and offset otherwise.
expected<boost::json::value> parse_json(std::string_view text, std::size_t max_bytes);

/// The JSON type name of a value ("object", "string", ...), for messages.
std::string_view json_kind(const boost::json::value& v);

}  // namespace jobforge

#pragma once
/// Boost.JSON's parse, with numbers read exactly. Boost.JSON 1.81 reads some
/// decimal numbers a bit off the nearest double: "99999999900000000000014682311580885778746"
/// reads as the double that prints 9.999999990000002E40, which reads as
/// 9.999999990000004E40, and so on: a number in a payload, result or
/// checkpoint would change each time it is stored and read, or sent to a
/// worker node and back (found by the wire_format fuzzer). Boost 1.83 has a
/// precise mode; Debian 12 ships 1.81. Here every number with a fraction or
/// an exponent is read again with std::from_chars, which rounds correctly,
/// so that text written by boost::json::serialize (the shortest text that
/// reads back exactly) reads back as the same double. Every JSON entry point
/// uses this instead of boost::json::parse.

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace jobforge {

/// As boost::json::parse(text, ec, {}, options): null and `ec` set when
/// `text` is not one JSON document.
boost::json::value parse_json_exactly(std::string_view text, boost::json::error_code& ec,
                                      const boost::json::parse_options& options = {});

/// The same, throwing boost::system::system_error (for texts known to be
/// JSON, such as the schemas written in the source).
boost::json::value parse_json_exactly(std::string_view text);

}  // namespace jobforge

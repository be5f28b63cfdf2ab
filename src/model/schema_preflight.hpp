#pragma once
/// What a JSON Schema is checked for before valijson compiles it, because
/// valijson would crash on it. It recurses until the stack overflows on a
/// reference that leads
/// back to where it started without stepping into the instance, whether
/// through references alone when compiling (`{"$ref": "#"}`) or through
/// allOf and the like when validating (`{"allOf": [{"$ref": "#"}]}`); and
/// it reads a reference to another document as one to this one; and it
/// divides by `multipleOf` (0 stops the process with SIGFPE).

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace jobforge {

/// Succeeds when every `$ref` in `schema` is a JSON Pointer into the schema
/// itself ("#/definitions/address") that resolves, none closes such a loop,
/// every `multipleOf` is a number above 0 (as JSON Schema requires), and
/// every pattern compiles;
/// `invalid_schema` naming what is wrong otherwise.
expected<void> preflight_schema(const boost::json::value& schema);

/// Every regular expression in `schema` (the `pattern` values and the
/// `patternProperties` keys, outside data keywords such as `enum`), each
/// once. preflight_schema() refuses a schema when one of them does not
/// compile (model/ecma_pattern.hpp).
std::vector<std::string> patterns_of(const boost::json::value& schema);

/// `schema` with every integer `multipleOf` written as a double. valijson
/// checks an integer divisor by casting the value to a 64-bit integer: 2.5
/// passed `"multipleOf": 2`, and 1e300 is undefined behaviour (found by the
/// fuzzer). A double divisor is checked with remainder(), right for every
/// value, exact for integers up to 2^53.
boost::json::value with_real_divisors(const boost::json::value& schema);

}  // namespace jobforge

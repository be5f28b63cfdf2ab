#pragma once
/// A canonical JSON text: object keys sorted, no whitespace, integral
/// doubles written as integers. Equal documents give equal text.

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace jobforge {

/// The canonical serialisation of `v`; `invalid_argument` naming the path of
/// a number that is not finite (see finite_json.hpp).
expected<std::string> canonical_json(const boost::json::value& v);

}  // namespace jobforge

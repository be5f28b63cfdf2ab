#pragma once
/// A canonical JSON text: object keys sorted, no whitespace, integral
/// doubles written as integers. Equal documents give equal text.

#include <boost/json/value.hpp>

#include <string>

namespace jobforge {

/// The canonical serialisation of `v`.
std::string canonical_json(const boost::json::value& v);

}  // namespace jobforge

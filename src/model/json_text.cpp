#include "model/json_text.hpp"
#include "model/exact_json_parse.hpp"

#include "model/finite_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace jobforge {

expected<boost::json::value> parse_json(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return error{error_code::payload_too_large,
                 "JSON text of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                     std::to_string(max_bytes) + " bytes",
                 boost::json::object{{"size", text.size()}, {"limit", max_bytes}}};
  }
  boost::json::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 64;  // deeper documents are refused, not a stack hazard
  boost::json::value v = parse_json_exactly(text, ec, options);
  if (ec) {
    return error{error_code::invalid_json, "malformed JSON: " + ec.message(),
                 boost::json::object{{"reason", ec.message()}}};
  }
  if (auto ok = require_finite(v); !ok) return std::move(ok).error_value();
  return v;
}

expected<std::string> json_text(const boost::json::value& v) {
  if (auto ok = require_finite(v); !ok) return std::move(ok).error_value();
  return boost::json::serialize(v);
}

std::string_view json_kind(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "integer";
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

}  // namespace jobforge

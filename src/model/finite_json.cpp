#include "model/finite_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cmath>

namespace jobforge {
namespace {

// Depth-first, in document order; the path is built only on the way out of
// a hit, so checking a clean document allocates nothing.
bool find_in(const boost::json::value& v, std::string& path) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(v.get_double());
    case boost::json::kind::array: {
      const auto& arr = v.get_array();
      for (std::size_t i = 0; i < arr.size(); ++i)
        if (find_in(arr[i], path)) {
          path.insert(0, "/" + std::to_string(i));
          return true;
        }
      return false;
    }
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        if (find_in(kv.value(), path)) {
          path.insert(0, "/" + json_pointer_token(kv.key()));
          return true;
        }
      return false;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> find_non_finite(const boost::json::value& v) {
  std::string path;
  if (find_in(v, path)) return path;
  return std::nullopt;
}

expected<void> require_finite(const boost::json::value& v, std::string_view at) {
  auto inner = find_non_finite(v);
  if (!inner) return {};
  const std::string path = std::string(at) + *inner;
  const std::string reason =
      "is a number JSON cannot represent (out of range or not a number); numbers must be "
      "finite, within +-1.7976931348623157e308";
  // The pointer "" is the whole document, which a message should say in words.
  return error{error_code::invalid_argument, (path.empty() ? "the document" : path) + ": " + reason,
               boost::json::object{{"path", path}, {"reason", reason}}};
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

}  // namespace jobforge

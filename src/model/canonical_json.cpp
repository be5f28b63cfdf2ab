#include "model/canonical_json.hpp"

#include "model/finite_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace jobforge {
namespace {

void append(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& obj = v.get_object();
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(obj.size());
      for (const auto& kv : obj)
        members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += boost::json::serialize(boost::json::value(members[i]->key()));
        out.push_back(':');
        append(out, members[i]->value());
      }
      out.push_back('}');
      return;
    }
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append(out, element);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::double_: {
      // 1.0 and 1 (and 1e19 and 10000000000000000000) are the same number to
      // a client: integral doubles within the 64-bit range print as integers.
      const double d = v.get_double();
      if (std::isfinite(d) && std::trunc(d) == d) {
        if (d >= -0x1p63 && d < 0x1p63) {
          out += std::to_string(static_cast<long long>(d));
          return;
        }
        if (d >= 0 && d < 0x1p64) {
          out += std::to_string(static_cast<unsigned long long>(d));
          return;
        }
      }
      out += boost::json::serialize(v);
      return;
    }
    case boost::json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

expected<std::string> canonical_json(const boost::json::value& v) {
  // Refused before writing: Boost.JSON spells infinity `Infinity`, not JSON,
  // and every infinity would hash alike whatever its path.
  if (auto ok = require_finite(v); !ok) return std::move(ok).error_value();
  std::string out;
  append(out, v);
  return out;
}

}  // namespace jobforge

#include "model/job_error.hpp"

namespace jobforge {

std::string_view to_string(error_kind k) {
  switch (k) {
    case error_kind::transient:
      return "transient";
    case error_kind::permanent:
      return "permanent";
    case error_kind::timeout:
      return "timeout";
    case error_kind::crash:
      return "crash";
    case error_kind::node_lost:
      return "node_lost";
  }
  return "crash";
}

std::optional<error_kind> parse_error_kind(std::string_view text) {
  for (auto k : {error_kind::transient, error_kind::permanent, error_kind::timeout,
                 error_kind::crash, error_kind::node_lost})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

}  // namespace jobforge

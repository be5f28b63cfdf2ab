#include "model/error.hpp"

namespace jobforge {

std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::invalid_argument:
      return "invalid_argument";
    case error_code::invalid_json:
      return "invalid_json";
    case error_code::schema_violation:
      return "schema_violation";
    case error_code::payload_too_large:
      return "payload_too_large";
    case error_code::unknown_job_type:
      return "unknown_job_type";
    case error_code::duplicate_job_type:
      return "duplicate_job_type";
    case error_code::invalid_schema:
      return "invalid_schema";
    case error_code::invalid_transition:
      return "invalid_transition";
    case error_code::dependency_cycle:
      return "dependency_cycle";
    case error_code::not_found:
      return "not_found";
    case error_code::conflict:
      return "conflict";
    case error_code::unauthenticated:
      return "unauthenticated";
    case error_code::forbidden:
      return "forbidden";
    case error_code::unavailable:
      return "unavailable";
    case error_code::timeout:
      return "timeout";
    case error_code::job_failed:
      return "job_failed";
    case error_code::job_canceled:
      return "job_canceled";
    case error_code::internal:
      return "internal";
  }
  return "internal";
}

std::string to_string(const error& e) {
  std::string out(to_string(e.code));
  out += ": ";
  out += e.message;
  return out;
}

}  // namespace jobforge

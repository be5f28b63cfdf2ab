#pragma once
/// The payload of an `http.request` job, read and checked.

#include "handlers/oauth2_token_cache.hpp"
#include "model/job_error.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace jobforge::handlers {

/// What one `http.request` job asks for.
struct http_request_payload {
  std::string method;  ///< GET, POST, PUT, PATCH, DELETE or HEAD
  std::string url;     ///< http or https
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  /// The Content-Type the body goes with when `headers` name none:
  /// application/json for a JSON value, text/plain for a string.
  std::string body_content_type;
  std::int64_t timeout_ms = 0;
  std::vector<long> expected_status;  ///< empty = any 2xx
  std::vector<std::string> capture_headers;
  std::optional<std::string> bearer_token;
  std::optional<oauth2_client_credentials> oauth2;

  /// Whether `status` is one the payload expects.
  bool expects(long status) const;
};

/// The JSON Schema (draft 7) of the payload.
boost::json::value http_request_schema();

/// Reads `payload`, which has normally passed the schema already; the
/// handler still refuses what would be unsafe to send (a file:// URL, a CR
/// or LF in a header) with a permanent error naming the field.
std::variant<http_request_payload, job_error> read_http_request_payload(
    const boost::json::value& payload, std::int64_t default_timeout_ms);

}  // namespace jobforge::handlers

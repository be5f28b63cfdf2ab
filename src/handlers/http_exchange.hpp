#pragma once
/// One HTTP request and its response through libcurl, with the failures that
/// keep a response from arriving classified as transient or permanent.

#include "model/job_error.hpp"
#include "model/stop_token.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobforge::handlers {

/// What to send. Only http and https URLs are ever fetched.
struct http_exchange_request {
  std::string method = "GET";  ///< GET, POST, PUT, PATCH, DELETE or HEAD
  std::string url;
  std::vector<std::string> header_lines;  ///< "Name: value", free of CR and LF
  std::optional<std::string> body;
  std::int64_t timeout_ms = 30'000;  ///< the whole exchange, connect included
  std::size_t max_body_bytes =
      1024 * 1024;  ///< the response body is cut (and the transfer ended) here
};

/// What came back: the final response (never a 1xx), or why none did.
struct http_exchange_response {
  /// Set when no complete response arrived (connect refused, DNS, timeout,
  /// stop requested, URL refused); everything below is then meaningless.
  std::optional<job_error> failure;
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-case, in order
  std::string body;
  bool truncated = false;  ///< the body passed max_body_bytes and was cut there
  std::int64_t elapsed_ms = 0;

  /// Every value of header `lower_case_name` joined by ", ", or nullopt.
  std::optional<std::string> header(std::string_view lower_case_name) const;
};

/// Sends `request` and waits for the response, aborting when `stop` turns
/// true (failure code "interrupted", transient).
http_exchange_response perform_exchange(const http_exchange_request& request,
                                        const stop_token& stop);

}  // namespace jobforge::handlers

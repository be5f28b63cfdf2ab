#pragma once
/// An HTTP response as an `http.request` job's result.

#include "handlers/http_exchange.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace jobforge::handlers {

/// {"status", "headers", "body" | "body_base64", "truncated"?, "json"?,
/// "elapsed_ms"}. The headers kept are content-type, content-length,
/// location, etag, retry-after and `capture_headers` (lower-case names). The
/// body is "body" when it is UTF-8 text and "body_base64" otherwise (a JSON
/// string cannot carry arbitrary bytes); "json" is the parsed body when the
/// content type is JSON and the body was not cut.
boost::json::object response_to_json(const http_exchange_response& response,
                                     const std::vector<std::string>& capture_headers);

}  // namespace jobforge::handlers

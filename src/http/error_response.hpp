#pragma once
/// How the gateway answers: JSON bodies, error envelopes, the one mapping of
/// error codes to HTTP statuses, and the guard that keeps a throwing handler
/// from taking the process down. Internal to src/http.

#include "model/error.hpp"

#include <httplib.h>
#include <boost/json/value.hpp>

#include <functional>
#include <string>

namespace jobforge::http {

/// The HTTP status for an error code (e.g. not_found -> 404).
int status_for(error_code code);

/// Answers `status` with `body` as application/json.
void send_json(httplib::Response& res, int status, const boost::json::value& body);

/// The error envelope of `e` with every string made valid UTF-8: an error
/// may quote what the client sent (a path segment, a query value), and
/// those bytes can be anything.
boost::json::value client_safe_envelope(const error& e);

/// Answers with the error envelope and the status of its code.
void send_error(httplib::Response& res, const error& e);

/// The error httplib itself produced for `status` (no route, body too large,
/// malformed request), when no handler wrote a body.
error error_for_status(int status, const httplib::Request& req, std::size_t max_body_bytes);

/// Wraps a route handler so that anything it throws becomes a logged 500
/// envelope instead of reaching httplib (or terminating the process).
httplib::Server::Handler guarded(
    std::string route, std::function<void(const httplib::Request&, httplib::Response&)> fn);

/// The envelope answer for an exception that escaped to httplib.
void send_exception(const httplib::Request& req, httplib::Response& res, std::exception_ptr ep);

}  // namespace jobforge::http

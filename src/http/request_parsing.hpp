#pragma once
/// Strict reading of what a request carries: its JSON body, its query
/// parameters and the job id in its path. Every failure is an
/// `invalid_argument` or `invalid_json` error naming what was wrong.
/// Internal to src/http.

#include "model/error.hpp"
#include "model/job_id.hpp"

#include <httplib.h>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge::http {

/// The body parsed as JSON; an empty body is `invalid_json` unless
/// `allow_empty`, when it reads as null. A number out of range (1e400) is
/// `invalid_argument` naming its JSON Pointer ("/payload/n").
expected<boost::json::value> parse_json_body(const httplib::Request& req, bool allow_empty);

/// The parameters of the URL's query string only. (httplib's `req.params`
/// also holds the fields of a form-encoded body, and a client that sends
/// JSON labelled as a form must not see them reported as query parameters.)
httplib::Params query_params(const httplib::Request& req);

/// Fails on a query parameter not in `known`, or one given more than once.
expected<void> check_query(const httplib::Params& params,
                           std::initializer_list<std::string_view> known);

/// A query parameter's value, or nullopt when absent.
std::optional<std::string> query_param(const httplib::Params& params, const std::string& name);

/// A whole-string decimal integer within [min, max]; `what` names it in errors.
expected<std::int64_t> parse_integer(std::string_view text, std::string_view what, std::int64_t min,
                                     std::int64_t max);

/// A non-negative decimal number of seconds (e.g. "5", "0.5") within [0, max].
expected<double> parse_seconds(std::string_view text, std::string_view what, double max);

/// The job id of a path segment; `invalid_argument` when it is not a UUID.
expected<job_id> parse_job_id(std::string_view text);

}  // namespace jobforge::http

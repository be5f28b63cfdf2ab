#pragma once
/// The JSON form of a job and its parts (SPEC §8 conventions: field names of
/// §3, RFC 3339 UTC timestamps with milliseconds, integer millisecond
/// durations, lowercase UUIDs). Decoding is strict: unknown fields and wrong
/// types are `invalid_argument` errors naming the JSON path; it never throws.

#include "model/error.hpp"
#include "model/job.hpp"
#include "model/job_request.hpp"

#include <boost/json/value.hpp>

namespace jobforge {

boost::json::value to_json(const job& j);
expected<job> job_from_json(const boost::json::value& v);

boost::json::value to_json(const history_entry& h);
expected<history_entry> history_entry_from_json(const boost::json::value& v);

boost::json::value to_json(const job_progress& p);
expected<job_progress> job_progress_from_json(const boost::json::value& v);

boost::json::value to_json(const result_blob& b);

boost::json::value to_json(const job_error& e);
expected<job_error> job_error_from_json(const boost::json::value& v);

boost::json::value to_json(const retry_settings& r);
expected<retry_settings> retry_settings_from_json(const boost::json::value& v);

/// A submission: {"type", "payload", ...optional fields of SPEC §3}; accepts
/// `run_at` (RFC 3339) or `run_in_ms`, not both.
boost::json::value to_json(const job_request& r);
expected<job_request> job_request_from_json(const boost::json::value& v);

/// The error envelope of SPEC §8: {"error": {"code", "message", "details"}}.
boost::json::value error_envelope(const error& e);

/// An error decoded from an envelope (one another process reported).
struct remote_error {
  error cause;
};
expected<remote_error> error_from_envelope(const boost::json::value& v);

/// Parses an error code's wire name.
std::optional<error_code> parse_error_code(std::string_view text);

}  // namespace jobforge

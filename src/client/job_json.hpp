#pragma once
/// The client's JSON: a job as the server renders it, into the client's
/// job struct, and a submission into the body of POST /api/jobs.

#include "jobforge/client_types.hpp"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace jobforge::client {

/// The job in `v`; nullopt when it lacks the fields every job has.
std::optional<job> job_from_json(const boost::json::value& v);

/// The JSON object of one submission; nullopt (and `problem` set) when its
/// payload is not JSON. A unique_key without a window gets `unique_for`.
std::optional<boost::json::object> request_to_json(const submit_request& r,
                                                   std::chrono::milliseconds unique_for,
                                                   std::string& problem);

/// The schedule in `v`; nullopt when it lacks a name or cron.
std::optional<schedule> schedule_from_json(const boost::json::value& v);

/// Text of a JSON string value, or the JSON text of anything else.
std::string text_of(const boost::json::value& v);

}  // namespace jobforge::client

#pragma once
/// Answers that carry jobs, written with job_json_text (no JSON value tree
/// per job): a batch answer carries up to 1,000 whole jobs, and building
/// their trees was a large part of the gateway's time. Internal to src/http.

#include "model/job.hpp"

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

namespace jobforge::http {

/// Answers `status` with the job's document.
void send_job(httplib::Response& res, int status, const job& j);

/// Answers `status` with {"<key>": [jobs...]} and, when given, "next_cursor".
void send_jobs(httplib::Response& res, int status, const char* key, const std::vector<job>& jobs,
               const std::optional<std::string>& next_cursor = std::nullopt);

}  // namespace jobforge::http

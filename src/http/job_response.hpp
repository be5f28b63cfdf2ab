#pragma once
/// Answers that carry jobs, written with job_json_text (no JSON value tree
/// per job): a batch answer carries up to 1,000 whole jobs, and building
/// their trees was a large part of the gateway's time. Internal to src/http.

#include "model/job.hpp"
#include "store/store.hpp"

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

namespace jobforge::http {

/// Answers `status` with the job's document (a 500 envelope for a job the
/// model refuses to write: one holding a number that is not finite).
void send_job(httplib::Response& res, int status, const job& j);

/// Answers `status` with {"<key>": [jobs...]}, "next_cursor" when given, and
/// "unreadable": [{"id", "reason"}...] for the jobs of `unreadable` and those
/// that cannot be written, when there are some.
void send_jobs(httplib::Response& res, int status, const char* key, const std::vector<job>& jobs,
               const std::optional<std::string>& next_cursor = std::nullopt,
               std::vector<unreadable_job> unreadable = {});

}  // namespace jobforge::http

#pragma once
/// Acting on many jobs named by id in one request (the dead-letter batch
/// forms, POST /api/jobs/bulk): the ids read from the body, then one
/// runtime call per id, several at once, each answered on its own. An id of
/// another tenant fails exactly as an unknown one. Internal to src/http.

#include "http/access.hpp"
#include "http/routes.hpp"
#include "model/job.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace jobforge::http {

/// At most this many ids in one request.
inline constexpr std::size_t max_ids_per_request = 1'000;

/// The job ids of the JSON array `ids` (the body's field at `path`, such
/// as "$.ids"): 1 to max_ids_per_request of them, each a job id.
expected<std::vector<job_id>> parse_id_list(const boost::json::value* ids, const std::string& path);

/// Calls `act` on each id the caller may see (a few at once: a graceful
/// cancel may wait for its handler) and answers 200 with
/// {"succeeded", "failed", "results": [{"id", "job"} or {"id", "error"}]},
/// the results in the order of `ids`.
void act_on_each(runtime& rt, const caller& who, const std::vector<job_id>& ids, response& res,
                 const std::function<expected<job>(const job_id&)>& act);

}  // namespace jobforge::http

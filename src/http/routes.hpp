#pragma once
/// The route groups of the gateway, each registered on the server by its own
/// file. Internal to src/http.

#include "http/access.hpp"
#include "store/store.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace jobforge {
class runtime;
class telemetry;
}  // namespace jobforge

namespace jobforge::http {

using request = httplib::Request;
using response = httplib::Response;

class event_broadcaster;
class web_files;

/// What every route may use: the runtime, the API keys, and whether the
/// server is stopping (long waits give up early so that shutdown is not
/// held up).
struct route_context {
  runtime* rt;
  const key_ring* keys;
  const std::atomic<bool>* stopping;
  event_broadcaster* events;
  jobforge::telemetry* telemetry;        ///< figures for stats, metrics and job types
  std::chrono::milliseconds keep_alive;  ///< SSE comment after this long without events
};

/// A route's work, for a caller already authenticated and allowed.
using route_function = void (*)(route_context, const caller&, const request&, response&);

/// A route function behind the exception guard, answering only callers with
/// at least the `minimum` role: no key, a malformed or unknown one is 401
/// (with WWW-Authenticate: Bearer), a lower role 403. Every route but
/// /health and /ready is registered through here, so none can forget it.
httplib::Server::Handler route(std::string name, role minimum, route_context ctx,
                               route_function fn);

/// Reads `limit` and `cursor` of a list query into `q`.
expected<void> read_page_params(const httplib::Params& params, job_query& q);

/// Answers 200 with {"items": [...], "next_cursor"?} for a list query
/// (already scoped to the caller's tenant).
void send_job_list(runtime& rt, const job_query& q, response& res);

/// POST/GET /api/jobs, GET /api/jobs/{id}, POST /api/jobs/{id}/cancel, DELETE /api/jobs/{id}.
void add_job_routes(httplib::Server& server, route_context ctx);

/// POST /api/jobs/batch.
void add_batch_routes(httplib::Server& server, route_context ctx);

/// POST /api/jobs/bulk (cancel, retry or priority of up to 1,000 jobs) and
/// POST /api/jobs/{id}/priority.
void add_bulk_routes(httplib::Server& server, route_context ctx);

/// GET /api/jobs/{id}/logs.
void add_log_routes(httplib::Server& server, route_context ctx);

/// GET /api/jobs/{id}/graph: a job's parents and children, bounded.
void add_graph_routes(httplib::Server& server, route_context ctx);

/// GET /api/jobs/{id}/progress and /history; POST /api/jobs/{id}/retry;
/// the dead-letter queue (GET /api/dead-letter, POST .../{id}/replay,
/// .../{id}/discard and the batch forms POST /api/dead-letter/replay and
/// /discard with {"ids": [...]}); POST /api/job-types/{name}/pause, /resume.
void add_operation_routes(httplib::Server& server, route_context ctx);

/// GET/POST /api/schedules, GET/DELETE /api/schedules/{name},
/// POST /api/schedules/{name}/pause, /resume and /trigger.
void add_schedule_routes(httplib::Server& server, route_context ctx);

/// GET/POST /api/jobs/{id}/dependencies, DELETE .../dependencies/{parent},
/// GET /api/jobs/{id}/dependents.
void add_dependency_routes(httplib::Server& server, route_context ctx);

/// GET /api/events: Server-Sent Events, filtered by ?job_id= and ?type=
/// (comma-separated lists), resumed after Last-Event-ID; ?stats=true adds
/// the server-wide `stats` events (admins).
void add_event_routes(httplib::Server& server, route_context ctx);

/// GET /api/jobs/{id}/result and GET /api/jobs/{id}/result/download.
void add_result_routes(httplib::Server& server, route_context ctx);

/// GET /api/stats, GET /api/stats/series and GET /metrics (admin),
/// GET /openapi.json (open).
void add_telemetry_routes(httplib::Server& server, route_context ctx);

/// GET /api/cluster/nodes.
void add_cluster_routes(httplib::Server& server, route_context ctx);

/// GET /api/job-types, GET /api/job-types/{name}, GET /health and GET /ready.
void add_job_type_routes(httplib::Server& server, route_context ctx);

/// GET /api/whoami.
void add_whoami_routes(httplib::Server& server, route_context ctx);

/// The dashboard: GET / and GET /ui/... from `files`, and
/// GET /ui/vendor/chart.min.js from the file `chart_js`. No key needed.
void add_web_routes(httplib::Server& server, std::shared_ptr<const web_files> files,
                    std::string chart_js);

}  // namespace jobforge::http

#include "http/error_response.hpp"
#include "http/job_type_json.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "runtime/runtime.hpp"
#include "telemetry/telemetry.hpp"

#include <algorithm>
#include <chrono>

namespace jobforge::http {
namespace {

// Whether some node that is up runs the type: a job of a type no node runs
// waits pending until one joins that does.
bool runs(const std::vector<std::string>& runnable, std::string_view type) {
  return std::find(runnable.begin(), runnable.end(), type) != runnable.end();
}

// Whether the type is paused now (POST /api/job-types/{name}/pause).
bool paused(const expected<scheduler_stats>& stats, std::string_view type) {
  return stats && runs(stats->paused_types, type);
}

// Job types are shared by every tenant: any viewer may read them.
void list_job_types(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto body = job_types_to_json(ctx.rt->types());
  auto runnable = ctx.rt->runnable_types();
  const auto stats = ctx.rt->stats();
  for (auto& item : body.as_object().at("items").as_array()) {
    auto& type = item.as_object();
    type["stats"] = ctx.telemetry->type_stats_json(type.at("name").as_string());
    if (runnable) type["runnable"] = runs(*runnable, type.at("name").as_string());
    if (stats) type["paused"] = paused(stats, type.at("name").as_string());
  }
  send_json(res, 200, body);
}

void get_job_type(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  const auto* type = ctx.rt->types().find(name);
  if (!type)
    return send_error(res, error{error_code::not_found, "no job type named \"" + name + "\"",
                                 boost::json::object{{"type", name}}});
  auto body = job_type_detail_json(*type);
  body.as_object()["stats"] = ctx.telemetry->type_stats_json(name);
  if (auto runnable = ctx.rt->runnable_types())
    body.as_object()["runnable"] = runs(*runnable, name);
  if (const auto stats = ctx.rt->stats()) body.as_object()["paused"] = paused(stats, name);
  send_json(res, 200, body);
}

}  // namespace

void add_job_type_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/job-types", route("list job types", role::viewer, ctx, list_job_types));
  server.Get(R"(/api/job-types/([^/]+))", route("get job type", role::viewer, ctx, get_job_type));

  // /ready and /health need no key: load balancers and orchestrators probe
  // them, and they tell nothing about any tenant's jobs.
  // Readiness: the store answers a query and takes writes, and the
  // scheduler has executors.
  server.Get("/ready", guarded("ready", [ctx](const request&, response& res) {
               boost::json::object checks;
               bool ready = true;
               auto counts = ctx.rt->counts();
               checks["store"] = counts ? "ok" : counts.error_value().message;
               ready &= counts.has_value();
               auto stats = ctx.rt->stats();
               checks["scheduler"] = stats ? "ok" : stats.error_value().message;
               ready &= stats.has_value();
               if (stats) {
                 checks["executors"] = stats->executors;
                 checks["idle_executors"] = stats->idle_executors;
                 ready &= stats->executors > 0;
               }
               if (auto outage = ctx.rt->write_outage()) {
                 checks["writes"] =
                     "refused by the store since " +
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - outage->since)
                                        .count()) +
                     " ms (" + outage->reason + "); " + std::to_string(outage->waiting_writes) +
                     " writes wait to be stored";
                 ready = false;
               } else {
                 checks["writes"] = "ok";
               }
               if (ctx.stopping->load()) {
                 checks["server"] = "stopping";
                 ready = false;
               }
               send_json(res, ready ? 200 : 503,
                         boost::json::object{{"status", ready ? "ready" : "not ready"},
                                             {"checks", std::move(checks)}});
             }));

  // Liveness only: answers while the process serves HTTP at all.
  server.Get("/health", guarded("health", [](const request&, response& res) {
               send_json(res, 200, boost::json::object{{"status", "ok"}});
             }));
}

}  // namespace jobforge::http

#include "http/error_response.hpp"
#include "http/job_type_json.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "runtime/runtime.hpp"

namespace jobforge::http {

void add_job_type_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/job-types", guarded("list job types", [ctx](const request& req, response& res) {
               if (auto ok = check_query(query_params(req), {}); !ok)
                 return send_error(res, ok.error_value());
               send_json(res, 200, job_types_to_json(ctx.rt->types()));
             }));

  server.Get(R"(/api/job-types/([^/]+))",
             guarded("get job type", [ctx](const request& req, response& res) {
               if (auto ok = check_query(query_params(req), {}); !ok)
                 return send_error(res, ok.error_value());
               const std::string name = req.matches[1];
               const auto* type = ctx.rt->types().find(name);
               if (!type)
                 return send_error(
                     res, error{error_code::not_found, "no job type named \"" + name + "\"",
                                boost::json::object{{"type", name}}});
               send_json(res, 200, job_type_to_json(*type));
             }));

  // Readiness: the store answers a query and the scheduler has executors.
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

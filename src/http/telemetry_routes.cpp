// GET /api/stats, GET /api/stats/series, GET /metrics and GET /openapi.json.
#include "http/error_response.hpp"
#include "http/openapi_document.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "telemetry/telemetry.hpp"

namespace jobforge::http {
namespace {

// Stats and metrics count every tenant's jobs: operators of the whole
// server (admins) read them, not one tenant's users.
void get_stats(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  send_json(res, 200, ctx.telemetry->stats_json());
}

constexpr std::int64_t max_series_seconds = 900;

void get_series(route_context ctx, const caller&, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"seconds"}); !ok) return send_error(res, ok.error_value());
  std::int64_t seconds = max_series_seconds;
  if (auto text = query_param(params, "seconds")) {
    auto n = parse_integer(*text, "seconds", 10, max_series_seconds);
    if (!n) return send_error(res, n.error_value());
    seconds = *n;
  }
  send_json(res, 200, ctx.telemetry->series_json(seconds));
}

void get_metrics(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  res.status = 200;
  res.set_content(ctx.telemetry->prometheus_text(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

void add_telemetry_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/stats", route("stats", role::admin, ctx, get_stats));
  server.Get("/api/stats/series", route("stats series", role::admin, ctx, get_series));
  server.Get("/metrics", route("metrics", role::admin, ctx, get_metrics));
  // The API's description is public, like /health: it holds no data.
  server.Get("/openapi.json", guarded("openapi", [](const request&, response& res) {
               const auto text = openapi_document();
               res.status = 200;
               res.set_content(text.data(), text.size(), "application/json");
             }));
}

}  // namespace jobforge::http

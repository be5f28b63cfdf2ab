// GET /api/jobs/{id}/logs: the lines the job's handler logged, as the
// runtime keeps them in memory (bounded per job and in all; not kept across
// a restart). The same lines go out on the event stream as `event: log`.

#include "http/error_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

namespace jobforge::http {
namespace {

void get_logs(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto kept = ctx.rt->job_logs(*id);
  if (!kept) return send_error(res, kept.error_value());
  boost::json::array lines;
  for (const auto& l : kept->lines) {
    boost::json::object line{{"at", format_rfc3339(l.at)},
                             {"attempt", l.attempt},
                             {"level", to_string(l.level)},
                             {"message", l.text}};
    if (l.held_back > 0) line["held_back"] = l.held_back;
    lines.push_back(std::move(line));
  }
  send_json(
      res, 200,
      boost::json::object{
          {"job_id", to_string(*id)}, {"lines", std::move(lines)}, {"dropped", kept->dropped}});
}

}  // namespace

void add_log_routes(httplib::Server& server, route_context ctx) {
  server.Get(R"(/api/jobs/([^/]+)/logs)", route("get logs", role::viewer, ctx, get_logs));
}

}  // namespace jobforge::http

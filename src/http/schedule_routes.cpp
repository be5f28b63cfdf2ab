// Periodic schedules over HTTP (docs/schedules.md): list and read for
// viewers, create, delete, pause, resume and trigger for operators. A
// schedule belongs to the tenant of the jobs it makes; a caller sees and
// changes its own tenant's only (admins every one), and another tenant's
// schedule is answered as an unknown one.
#include "http/audit.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_factory.hpp"
#include "model/schedule_record.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

namespace jobforge::http {
namespace {

std::string tenant_of(const schedule_definition& d) {
  return d.job.tenant.empty() ? default_tenant : d.job.tenant;
}

boost::json::value view_of(const schedule_status& s) {
  auto out = to_json(s).as_object();
  out["tenant"] = tenant_of(s.definition);
  return out;
}

error no_schedule(const std::string& name) {
  return error{error_code::not_found, "no schedule '" + name + "'",
               boost::json::object{{"schedule", name}}};
}

/// The schedule `name` when `who` may see it, else not_found.
expected<schedule_status> visible_schedule(runtime& rt, const caller& who,
                                           const std::string& name) {
  auto s = rt.schedule(name);
  if (!s) return s;
  if (!who.may_see(tenant_of(s->definition))) return no_schedule(name);
  return s;
}

void list_schedules(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto all = ctx.rt->schedules();
  if (!all) return send_error(res, all.error_value());
  boost::json::array items;
  for (const auto& s : *all)
    if (who.may_see(tenant_of(s.definition))) items.push_back(view_of(s));
  send_json(res, 200, boost::json::object{{"items", std::move(items)}});
}

void get_schedule(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto s = visible_schedule(*ctx.rt, who, req.matches[1]);
  if (!s) return send_error(res, s.error_value());
  send_json(res, 200, view_of(*s));
}

void create_schedule(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto body = parse_json_body(req, false);
  if (!body) return send_error(res, body.error_value());
  auto definition = schedule_definition_from_json(*body);
  if (!definition) return send_error(res, definition.error_value());
  if (auto ok = claim_tenant(who, definition->job); !ok) return send_error(res, ok.error_value());
  const std::string name = definition->name;
  // A name another tenant uses is a conflict like any other: names are
  // global, as the config's are.
  auto made = audited(who, "create", "schedule " + name,
                      ctx.rt->create_schedule(std::move(*definition), who.actor()));
  if (!made) return send_error(res, made.error_value());
  res.set_header("Location", "/api/schedules/" + name);
  send_json(res, 201, view_of(*made));
}

void delete_schedule(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  auto s = visible_schedule(*ctx.rt, who, name);
  if (!s) return send_error(res, s.error_value());
  auto done =
      audited(who, "delete", "schedule " + name, ctx.rt->delete_schedule(name, who.actor()));
  if (!done) return send_error(res, done.error_value());
  res.status = 204;
}

void pause_schedule(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  const bool pause = req.matches[2] == "pause";
  auto s = visible_schedule(*ctx.rt, who, name);
  if (!s) return send_error(res, s.error_value());
  auto done = audited(who, pause ? "pause" : "resume", "schedule " + name,
                      ctx.rt->pause_schedule(name, pause, who.actor()));
  if (!done) return send_error(res, done.error_value());
  send_json(res, 200, view_of(*done));
}

void trigger_schedule(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  auto s = visible_schedule(*ctx.rt, who, name);
  if (!s) return send_error(res, s.error_value());
  auto made =
      audited(who, "trigger", "schedule " + name, ctx.rt->trigger_schedule(name, who.actor()));
  if (!made) return send_error(res, made.error_value());
  // Answered as a submission is: the job it made.
  send_job(res, made->created ? 201 : 200, made->value);
}

}  // namespace

void add_schedule_routes(httplib::Server& server, route_context ctx) {
  const std::string one = R"(/api/schedules/([a-z0-9][a-z0-9._-]{0,63}))";
  server.Get("/api/schedules", route("list schedules", role::viewer, ctx, list_schedules));
  server.Post("/api/schedules", route("create schedule", role::operator_, ctx, create_schedule));
  server.Get(one, route("get schedule", role::viewer, ctx, get_schedule));
  server.Delete(one, route("delete schedule", role::operator_, ctx, delete_schedule));
  server.Post(one + "/(pause|resume)",
              route("pause schedule", role::operator_, ctx, pause_schedule));
  server.Post(one + "/trigger", route("trigger schedule", role::operator_, ctx, trigger_schedule));
}

}  // namespace jobforge::http

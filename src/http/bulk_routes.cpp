// Acting on jobs by id, many at once or one's priority: POST /api/jobs/bulk
// ({"action": "cancel" | "retry" | "priority", "ids": [...], ...}, at most
// 1,000 ids, one result per id) and POST /api/jobs/{id}/priority. Each
// action needs the role its single form needs: cancel a submitter, a
// priority change an operator, retry an admin.

#include "http/audit.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/per_id.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace jobforge::http {
namespace {

error unknown_field(const std::string& name) {
  return error{error_code::invalid_argument, "$." + name + ": unknown field",
               boost::json::object{{"path", "$." + name}}};
}

expected<std::string> string_field(const boost::json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string())
    return error{error_code::invalid_argument, std::string("$.") + name + ": must be a string",
                 boost::json::object{{"path", std::string("$.") + name}}};
  return std::string(v->get_string());
}

expected<priority> priority_field(const boost::json::object& o) {
  auto text = string_field(o, "priority");
  if (!text) return std::move(text).error_value();
  if (auto p = parse_priority(*text)) return *p;
  return error{error_code::invalid_argument,
               "$.priority: must be one of low, normal, high, critical, got \"" + *text + "\"",
               boost::json::object{{"path", "$.priority"}}};
}

/// What a bulk request asks: the action, its ids and the action's options.
struct bulk_request {
  std::string action;
  std::vector<job_id> ids;
  std::optional<priority> new_priority;
  cancel_options cancel;
};

expected<bulk_request> parse_bulk(const request& req) {
  auto body = parse_json_body(req, false);
  if (!body) return std::move(body).error_value();
  const auto* o = body->if_object();
  if (!o)
    return error{error_code::invalid_argument,
                 "the body must be {\"action\": ..., \"ids\": [...]}"};
  bulk_request out;
  auto action = string_field(*o, "action");
  if (!action) return std::move(action).error_value();
  out.action = *action;
  std::vector<std::string> allowed{"action", "ids"};
  if (out.action == "priority") {
    allowed.push_back("priority");
    auto p = priority_field(*o);
    if (!p) return std::move(p).error_value();
    out.new_priority = *p;
  } else if (out.action == "cancel") {
    allowed.insert(allowed.end(), {"reason", "mode"});
    if (o->contains("reason")) {
      auto reason = string_field(*o, "reason");
      if (!reason) return std::move(reason).error_value();
      out.cancel.reason = *reason;
    }
    if (o->contains("mode")) {
      auto mode = string_field(*o, "mode");
      if (!mode) return std::move(mode).error_value();
      if (*mode != "graceful" && *mode != "forced")
        return error{error_code::invalid_argument,
                     "$.mode: must be graceful or forced, got \"" + *mode + "\"",
                     boost::json::object{{"path", "$.mode"}}};
      out.cancel.mode = *mode == "forced" ? cancel_mode::forced : cancel_mode::graceful;
    }
  } else if (out.action != "retry") {
    return error{error_code::invalid_argument,
                 "$.action: must be cancel, retry or priority, got \"" + out.action + "\"",
                 boost::json::object{{"path", "$.action"}}};
  }
  for (const auto& field : *o)
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end())
      return unknown_field(std::string(field.key()));
  auto ids = parse_id_list(o->if_contains("ids"), "$.ids");
  if (!ids) return std::move(ids).error_value();
  out.ids = std::move(*ids);
  return out;
}

/// The least role that may take `action` (as its single form).
role role_for(const std::string& action) {
  if (action == "retry") return role::admin;
  if (action == "priority") return role::operator_;
  return role::submitter;
}

void bulk(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto asked = parse_bulk(req);
  if (!asked) return send_error(res, asked.error_value());
  if (who.role < role_for(asked->action))
    return send_error(res, role_too_low(who, role_for(asked->action)));
  auto& rt = *ctx.rt;
  auto b = std::move(*asked);
  b.cancel.by = who.actor();
  act_on_each(rt, who, b.ids, res, [&](const job_id& id) -> expected<job> {
    const auto target = "job " + to_string(id);
    if (b.action == "cancel") return audited(who, "cancel", target, rt.cancel(id, b.cancel));
    if (b.action == "retry")
      return audited(who, "retry", target, rt.replay(id, std::nullopt, who.actor()));
    return audited(who, "priority " + std::string(to_string(*b.new_priority)), target,
                   rt.change_priority(id, *b.new_priority, who.actor()));
  });
}

void change_priority(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  auto body = parse_json_body(req, false);
  if (!body) return send_error(res, body.error_value());
  const auto* o = body->if_object();
  if (!o)
    return send_error(
        res, error{error_code::invalid_argument, "the body must be {\"priority\": \"high\"}"});
  for (const auto& field : *o)
    if (field.key() != "priority") return send_error(res, unknown_field(std::string(field.key())));
  auto p = priority_field(*o);
  if (!p) return send_error(res, p.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto changed = audited(who, "priority " + std::string(to_string(*p)), "job " + to_string(*id),
                         ctx.rt->change_priority(*id, *p, who.actor()));
  if (!changed) return send_error(res, changed.error_value());
  send_job(res, 200, *changed);
}

}  // namespace

void add_bulk_routes(httplib::Server& server, route_context ctx) {
  server.Post("/api/jobs/bulk", route("bulk job action", role::submitter, ctx, bulk));
  server.Post(R"(/api/jobs/([^/]+)/priority)",
              route("change priority", role::operator_, ctx, change_priority));
}

}  // namespace jobforge::http

// A job's dependencies: GET /api/jobs/{id}/dependencies (its parents and
// how each stands), POST to add parents to a blocked job (a cycle is
// refused), DELETE /api/jobs/{id}/dependencies/{parent}, and
// GET /api/jobs/{id}/dependents (the jobs that depend on it, paginated).
// Jobs and parents of another tenant are, for a non-admin, as if unknown.

#include "http/audit.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

namespace jobforge::http {
namespace {

expected<job_id> path_id(const request& req, std::size_t group = 1) {
  return parse_job_id(req.matches[group].str());
}

void get_dependencies(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = path_id(req);
  if (!id) return send_error(res, id.error_value());
  auto j = visible_job(*ctx.rt, who, *id);
  if (!j) return send_error(res, j.error_value());
  boost::json::array parents;
  for (const auto& p : j->dependencies.depends_on) {
    auto parent = visible_job(*ctx.rt, who, p);
    parents.push_back(boost::json::object{
        {"id", to_string(p)},
        // A parent deleted by retention is reported as gone, not as an error;
        // so is one of another tenant (an admin made that link), which the
        // caller must not learn anything about.
        {"status", parent ? boost::json::value(to_string(parent->status)) : "deleted"}});
  }
  const auto encoded = to_json(*j);
  send_json(res, 200,
            boost::json::object{{"job_id", to_string(j->id)},
                                {"status", to_string(j->status)},
                                {"dependency_mode", encoded.at("dependency_mode")},
                                {"on_dependency_failure", encoded.at("on_dependency_failure")},
                                {"parents", std::move(parents)}});
}

void add_dependencies(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = path_id(req);
  if (!id) return send_error(res, id.error_value());
  auto body = parse_json_body(req, false);
  if (!body) return send_error(res, body.error_value());
  const auto* o = body->if_object();
  const auto* list = o ? o->if_contains("depends_on") : nullptr;
  if (!list || !list->is_array() || list->get_array().empty() || o->size() != 1)
    return send_error(
        res, error{error_code::invalid_argument, "the body must be {\"depends_on\": [job ids]}"});
  std::vector<job_id> parents;
  const auto& arr = list->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto parent = arr[i].is_string() ? parse_job_id(arr[i].get_string())
                                     : expected<job_id>{error{error_code::invalid_argument, ""}};
    if (!parent)
      return send_error(res, error{error_code::invalid_argument,
                                   "$.depends_on[" + std::to_string(i) + "]: must be a job id",
                                   boost::json::object{{"index", i}}});
    parents.push_back(*parent);
  }
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto hidden = first_hidden_parent(*ctx.rt, who, parents);
  if (!hidden) return send_error(res, hidden.error_value());
  if (*hidden) return send_error(res, not_a_possible_parent(**hidden));
  std::string named;
  for (const auto& p : parents)
    named += (named.empty() ? "" : ",") + to_string(p);
  auto changed = audited(who, "add dependencies " + named, "job " + to_string(*id),
                         ctx.rt->add_dependencies(*id, std::move(parents)));
  if (!changed) return send_error(res, changed.error_value());
  send_job(res, 200, *changed);
}

void remove_dependency(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = path_id(req);
  if (!id) return send_error(res, id.error_value());
  auto parent = path_id(req, 2);
  if (!parent) return send_error(res, parent.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto changed = audited(who, "remove dependency " + to_string(*parent), "job " + to_string(*id),
                         ctx.rt->remove_dependency(*id, *parent));
  if (!changed) return send_error(res, changed.error_value());
  send_job(res, 200, *changed);
}

void get_dependents(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"limit", "cursor"}); !ok)
    return send_error(res, ok.error_value());
  auto id = path_id(req);
  if (!id) return send_error(res, id.error_value());
  if (auto exists = visible_job(*ctx.rt, who, *id); !exists)
    return send_error(res, exists.error_value());
  job_query q;
  q.filter.parent = *id;
  if (auto ok = scope_list(who, std::nullopt, q.filter); !ok)
    return send_error(res, ok.error_value());
  q.order = job_order::created_asc;
  if (auto ok = read_page_params(params, q); !ok) return send_error(res, ok.error_value());
  send_job_list(*ctx.rt, q, res);
}

}  // namespace

void add_dependency_routes(httplib::Server& server, route_context ctx) {
  const std::string one_job = R"(/api/jobs/([^/]+))";
  server.Get(one_job + "/dependencies",
             route("get dependencies", role::viewer, ctx, get_dependencies));
  server.Post(one_job + "/dependencies",
              route("add dependencies", role::submitter, ctx, add_dependencies));
  server.Delete(one_job + R"(/dependencies/([^/]+))",
                route("remove dependency", role::submitter, ctx, remove_dependency));
  server.Get(one_job + "/dependents", route("get dependents", role::viewer, ctx, get_dependents));
}

}  // namespace jobforge::http

// GET /api/whoami: the tenant and role the caller's key stands for, so that
// a client (the dashboard) shows only what that role may do. The server
// still checks every request itself.

#include "http/error_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"

#include <boost/json/object.hpp>

namespace jobforge::http {
namespace {

void whoami(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  send_json(res, 200,
            boost::json::object{{"tenant", who.tenant},
                                {"role", to_string(who.role)},
                                {"actor", who.actor()},
                                {"key_required", ctx.keys->required()}});
}

}  // namespace

void add_whoami_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/whoami", route("whoami", role::viewer, ctx, whoami));
}

}  // namespace jobforge::http

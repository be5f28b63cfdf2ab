// route(): what stands between httplib and every route function: the
// exception guard, authentication and the role check.

#include "http/error_response.hpp"
#include "http/routes.hpp"

namespace jobforge::http {

httplib::Server::Handler route(std::string name, role minimum, route_context ctx,
                               route_function fn) {
  return guarded(std::move(name), [ctx, minimum, fn](const request& req, response& res) {
    std::optional<std::string> authorization;
    if (req.has_header("Authorization")) authorization = req.get_header_value("Authorization");
    auto who = ctx.keys->authenticate(authorization);
    if (!who) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"jobforge\"");
      return send_error(res, who.error_value());
    }
    if (who->role < minimum) return send_error(res, role_too_low(*who, minimum));
    fn(ctx, *who, req, res);
  });
}

}  // namespace jobforge::http

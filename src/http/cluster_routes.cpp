#include "http/error_response.hpp"
#include "http/event_stream.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "runtime/runtime.hpp"

namespace jobforge::http {
namespace {

boost::json::value optional_time(const std::optional<timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(format_rfc3339(*t));
}

boost::json::object node_to_json(const cluster_node& n) {
  boost::json::array types;
  for (const auto& t : n.types)
    types.emplace_back(t);
  boost::json::object o{
      {"id", n.node},
      {"session", n.session == 0 ? std::string{} : fmt_session(n.session)},
      {"local", n.session == 0},
      {"address", n.host},
      {"state", n.state},
      {"types", n.all_types ? boost::json::value("*") : boost::json::value(types)},
      {"capacity", n.capacity},
      {"running", n.running},
      {"jobs_done", n.done},
      {"joined_at", optional_time(n.joined_at)},
      {"last_heartbeat", optional_time(n.last_heard)}};
  if (n.lost_at) {
    o["lost_at"] = optional_time(n.lost_at);
    o["lost_reason"] = n.lost_reason;
  }
  return o;
}

// Nodes say nothing of any tenant's jobs: any viewer may read them.
void list_nodes(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto nodes = ctx.rt->cluster_nodes();
  if (!nodes) return send_error(res, nodes.error_value());
  boost::json::array items;
  for (const auto& n : *nodes)
    items.push_back(node_to_json(n));
  const auto port = ctx.rt->cluster_port();
  send_json(res, 200,
            boost::json::object{{"items", std::move(items)},
                                {"cluster_port", port ? boost::json::value(*port) : nullptr}});
}

}  // namespace

void add_cluster_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/cluster/nodes", route("list cluster nodes", role::viewer, ctx, list_nodes));
}

}  // namespace jobforge::http

// GET /api/jobs/{id}/graph?depth=&max_nodes=: the job with its parents and
// children out to `depth` steps (1..5, default 2), at most `max_nodes`
// jobs (1..500, default 100), each with its status: what the dashboard
// draws to say why a job waits. Walked breadth first from the job, so the
// nearest jobs are kept when the bounds cut the graph (`truncated`). A
// parent the caller may not see (another tenant's, or deleted) is a node
// with status "deleted" and nothing else.

#include "http/error_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/dependency.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace jobforge::http {
namespace {

struct graph_walk {
  std::size_t max_nodes;
  boost::json::array nodes;
  boost::json::array edges;
  std::unordered_map<job_id, int> level;     ///< nodes placed: steps from the job (parents < 0)
  std::deque<std::pair<job, int>> frontier;  ///< placed jobs whose neighbours are not visited yet
  bool truncated = false;

  /// Whether no node fits any more (then the graph is cut).
  bool full() {
    if (level.size() < max_nodes) return false;
    truncated = true;
    return true;
  }

  /// Places `j` at `at` unless it is placed already or the graph is full.
  bool place(const job& j, int at) {
    if (level.count(j.id)) return true;
    if (full()) return false;
    level.emplace(j.id, at);
    boost::json::object node{{"id", to_string(j.id)},
                             {"type", j.type},
                             {"status", to_string(j.status)},
                             {"priority", to_string(j.priority)},
                             {"level", at}};
    if (!j.dependencies.depends_on.empty()) {
      node["dependency_mode"] = to_string(j.dependencies.mode);
      node["on_dependency_failure"] = to_string(j.dependencies.on_failure);
    }
    if (j.run_at) node["run_at"] = format_rfc3339(*j.run_at);
    nodes.push_back(std::move(node));
    frontier.emplace_back(j, at);
    return true;
  }

  /// A parent the caller cannot read.
  bool place_hidden(const job_id& id, int at) {
    if (level.count(id)) return true;
    if (full()) return false;
    level.emplace(id, at);
    nodes.push_back(
        boost::json::object{{"id", to_string(id)}, {"status", "deleted"}, {"level", at}});
    return true;
  }

  void edge(const job_id& parent, const job_id& child) {
    edges.push_back(boost::json::object{{"from", to_string(parent)}, {"to", to_string(child)}});
  }
};

expected<void> walk(runtime& rt, const caller& who, graph_walk& g, int depth) {
  while (!g.frontier.empty()) {
    auto [j, at] = std::move(g.frontier.front());
    g.frontier.pop_front();
    // Ancestors are walked up, descendants down: a child's other parents
    // are not the job's business.
    if (at <= 0 && -at < depth) {
      for (const auto& p : j.dependencies.depends_on) {
        auto parent = visible_job(rt, who, p);
        if (!parent && parent.error_value().code != error_code::not_found)
          return std::move(parent).error_value();
        if (!(parent ? g.place(*parent, at - 1) : g.place_hidden(p, at - 1))) break;
        g.edge(p, j.id);
      }
    }
    if (at >= 0 && at < depth) {
      job_query q;
      q.filter.parent = j.id;
      if (auto ok = scope_list(who, std::nullopt, q.filter); !ok) return ok;
      q.order = job_order::created_asc;
      q.limit =
          std::clamp<std::size_t>(g.max_nodes - std::min(g.max_nodes, g.level.size()) + 1, 1, 1000);
      auto page = rt.list(q);
      if (!page) return std::move(page).error_value();
      if (page->next_cursor) g.truncated = true;
      for (const auto& child : page->items) {
        if (!g.place(child, at + 1)) break;
        g.edge(j.id, child.id);
      }
    }
  }
  return {};
}

void get_graph(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"depth", "max_nodes"}); !ok)
    return send_error(res, ok.error_value());
  std::int64_t depth = 2, max_nodes = 100;
  if (auto text = query_param(params, "depth")) {
    auto n = parse_integer(*text, "depth", 1, 5);
    if (!n) return send_error(res, n.error_value());
    depth = *n;
  }
  if (auto text = query_param(params, "max_nodes")) {
    auto n = parse_integer(*text, "max_nodes", 1, 500);
    if (!n) return send_error(res, n.error_value());
    max_nodes = *n;
  }
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  auto root = visible_job(*ctx.rt, who, *id);
  if (!root) return send_error(res, root.error_value());
  graph_walk g{static_cast<std::size_t>(max_nodes), {}, {}, {}, {}, false};
  g.place(*root, 0);
  if (auto ok = walk(*ctx.rt, who, g, static_cast<int>(depth)); !ok)
    return send_error(res, ok.error_value());
  send_json(res, 200,
            boost::json::object{{"job_id", to_string(*id)},
                                {"depth", depth},
                                {"max_nodes", max_nodes},
                                {"truncated", g.truncated},
                                {"nodes", std::move(g.nodes)},
                                {"edges", std::move(g.edges)}});
}

}  // namespace

void add_graph_routes(httplib::Server& server, route_context ctx) {
  server.Get(R"(/api/jobs/([^/]+)/graph)", route("get graph", role::viewer, ctx, get_graph));
}

}  // namespace jobforge::http

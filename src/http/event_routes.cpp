// GET /api/events: the runtime's status and progress events as
// Server-Sent Events (SPEC §8), optionally only some jobs' or some types'
// (?job_id=a,b&type=x,y). A reconnecting client sends Last-Event-ID (or
// ?last_event_id=) and gets the recent events it missed first. A non-admin
// receives the events of its own tenant's jobs only; an admin may also ask
// for the server-wide figures (?stats=true: `event: stats`, at most once a
// second). ?jobs=false leaves every job's events out (the dashboard's
// overview draws only the figures, and would otherwise be sent some three
// events per job).

#include "http/error_response.hpp"
#include "http/event_stream.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "runtime/runtime.hpp"

#include <algorithm>

namespace jobforge::http {
namespace {

/// At most this many job ids or types in one stream's filter.
constexpr std::size_t max_filter_items = 1'000;

/// The comma-separated items of `text` (none empty), or an error naming `name`.
expected<std::vector<std::string>> split_list(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty())
      return error{error_code::invalid_argument,
                   name + " must be a comma-separated list without empty items",
                   boost::json::object{{"parameter", name}}};
    out.push_back(std::move(item));
    if (out.size() > max_filter_items)
      return error{error_code::invalid_argument,
                   name + " names more than " + std::to_string(max_filter_items) + " items",
                   boost::json::object{{"parameter", name}}};
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

expected<void> read_filter(route_context ctx, const caller& who, const httplib::Params& params,
                           event_filter& filter) {
  if (!who.sees_every_tenant()) filter.tenant = who.tenant;
  if (auto text = query_param(params, "job_id")) {
    auto items = split_list(*text, "job_id");
    if (!items) return std::move(items).error_value();
    for (const auto& item : *items) {
      auto id = parse_job_id(item);
      if (!id) return std::move(id).error_value();
      filter.jobs.push_back(*id);
    }
    std::sort(filter.jobs.begin(), filter.jobs.end());
  }
  if (auto text = query_param(params, "type")) {
    auto items = split_list(*text, "type");
    if (!items) return std::move(items).error_value();
    for (auto& type : *items) {
      if (!ctx.rt->types().find(type))
        return error{error_code::not_found, "no job type named \"" + type + "\"",
                     boost::json::object{{"type", type}}};
      filter.types.push_back(std::move(type));
    }
  }
  if (auto text = query_param(params, "stats")) {
    if (*text != "true" && *text != "false")
      return error{error_code::invalid_argument, "stats must be true or false",
                   boost::json::object{{"parameter", "stats"}, {"value", *text}}};
    filter.stats = *text == "true";
    // The figures count every tenant's jobs: admins only, as GET /api/stats.
    if (filter.stats && !who.sees_every_tenant()) return role_too_low(who, role::admin);
  }
  if (auto text = query_param(params, "jobs")) {
    if (*text != "true" && *text != "false")
      return error{error_code::invalid_argument, "jobs must be true or false",
                   boost::json::object{{"parameter", "jobs"}, {"value", *text}}};
    filter.job_events = *text == "true";
    if (!filter.job_events && filter.narrowed())
      return error{error_code::invalid_argument,
                   "jobs=false leaves out every job's events: job_id and type would select none",
                   boost::json::object{{"parameter", "jobs"}}};
  }
  return {};
}

void stream_events(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"job_id", "type", "stats", "jobs", "last_event_id"}); !ok)
    return send_error(res, ok.error_value());
  event_filter filter;
  if (auto ok = read_filter(ctx, who, params, filter); !ok)
    return send_error(res, ok.error_value());
  std::optional<std::uint64_t> last_seen;
  auto last_text = query_param(params, "last_event_id");
  if (!last_text && req.has_header("Last-Event-ID"))
    last_text = req.get_header_value("Last-Event-ID");
  if (last_text) {
    auto n = parse_integer(*last_text, "Last-Event-ID", 0, INT64_MAX);
    if (!n) return send_error(res, n.error_value());
    last_seen = static_cast<std::uint64_t>(*n);
  }
  auto client = ctx.events->connect(std::move(filter), last_seen);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [client, ctx](std::size_t, httplib::DataSink& sink) {
        auto text = client->next(ctx.keep_alive);
        if (!text || ctx.stopping->load()) {
          sink.done();
          return true;
        }
        return sink.write(text->data(), text->size());  // false: the client left
      },
      [events = ctx.events, client](bool) { events->disconnect(client); });
}

}  // namespace

void add_event_routes(httplib::Server& server, route_context ctx) {
  server.Get("/api/events", route("event stream", role::viewer, ctx, stream_events));
}

}  // namespace jobforge::http

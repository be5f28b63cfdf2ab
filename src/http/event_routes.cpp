// GET /api/events: the runtime's status and progress events as
// Server-Sent Events (SPEC §8), optionally only one job's or one type's.
// A reconnecting client sends Last-Event-ID (or ?last_event_id=) and gets
// the recent events it missed first. A non-admin receives the events of
// its own tenant's jobs only.

#include "http/error_response.hpp"
#include "http/event_stream.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "runtime/runtime.hpp"

namespace jobforge::http {
namespace {

void stream_events(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"job_id", "type", "last_event_id"}); !ok)
    return send_error(res, ok.error_value());
  event_filter filter;
  if (!who.sees_every_tenant()) filter.tenant = who.tenant;
  if (auto text = query_param(params, "job_id")) {
    auto id = parse_job_id(*text);
    if (!id) return send_error(res, id.error_value());
    filter.job = *id;
  }
  if (auto type = query_param(params, "type")) {
    if (!ctx.rt->types().find(*type))
      return send_error(res, error{error_code::not_found, "no job type named \"" + *type + "\"",
                                   boost::json::object{{"type", *type}}});
    filter.type = *type;
  }
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

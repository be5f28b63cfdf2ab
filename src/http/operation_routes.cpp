// Operator routes over one job and the dead-letter queue: progress,
// history, retry, replay, discard (one by one, in batches, or a whole group
// of the summary by type and error code), and pausing a job type. Each makes one runtime call per
// job it names, after reading the job to check that the caller's tenant may see it.

#include "http/audit.hpp"
#include "http/dead_letter_scan.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/per_id.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/dead_letter_summary.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

namespace jobforge::http {
namespace {

expected<job> job_of_path(route_context ctx, const caller& who, const request& req) {
  if (auto ok = check_query(query_params(req), {}); !ok) return std::move(ok).error_value();
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return std::move(id).error_value();
  return visible_job(*ctx.rt, who, *id);
}

void get_progress(route_context ctx, const caller& who, const request& req, response& res) {
  auto j = job_of_path(ctx, who, req);
  if (!j) return send_error(res, j.error_value());
  send_json(res, 200,
            boost::json::object{{"job_id", to_string(j->id)},
                                {"status", to_string(j->status)},
                                {"progress", j->progress ? to_json(*j->progress) : nullptr}});
}

void get_history(route_context ctx, const caller& who, const request& req, response& res) {
  auto j = job_of_path(ctx, who, req);
  if (!j) return send_error(res, j.error_value());
  boost::json::array history;
  for (const auto& h : j->history)
    history.push_back(to_json(h));
  send_json(res, 200,
            boost::json::object{{"job_id", to_string(j->id)},
                                {"status", to_string(j->status)},
                                {"attempts", j->attempts},
                                {"max_attempts", j->max_attempts},
                                {"last_error", j->last_error ? to_json(*j->last_error) : nullptr},
                                {"history", std::move(history)}});
}

/// An optional {"payload": ...} body of a replay.
expected<std::optional<boost::json::value>> replay_payload(const request& req) {
  auto body = parse_json_body(req, true);
  if (!body) return std::move(body).error_value();
  if (body->is_null()) return std::optional<boost::json::value>{};
  const auto* o = body->if_object();
  if (!o)
    return error{error_code::invalid_argument, "the body must be {\"payload\": ...} or empty"};
  for (const auto& field : *o)
    if (field.key() != "payload")
      return error{error_code::invalid_argument,
                   "$." + std::string(field.key()) + ": unknown field",
                   boost::json::object{{"path", "$." + std::string(field.key())}}};
  if (const auto* p = o->if_contains("payload")) return std::optional<boost::json::value>{*p};
  return std::optional<boost::json::value>{};
}

void replay_one(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  auto payload = replay_payload(req);
  if (!payload) return send_error(res, payload.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto replayed =
      audited(who, payload->has_value() ? "replay with a new payload" : "replay",
              "job " + to_string(*id), ctx.rt->replay(*id, std::move(*payload), who.actor()));
  if (!replayed) return send_error(res, replayed.error_value());
  send_job(res, 200, *replayed);
}

void discard_one(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto discarded = audited(who, "discard", "job " + to_string(*id), ctx.rt->discard(*id));
  if (!discarded) return send_error(res, discarded.error_value());
  send_job(res, 200, *discarded);
}

void list_dead_letters(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"type", "tenant", "limit", "cursor"}); !ok)
    return send_error(res, ok.error_value());
  job_query q;
  q.filter.statuses = std::vector<job_status>{job_status::failed};
  if (auto type = query_param(params, "type")) q.filter.type = *type;
  if (auto ok = scope_list(who, query_param(params, "tenant"), q.filter); !ok)
    return send_error(res, ok.error_value());
  if (auto ok = read_page_params(params, q); !ok) return send_error(res, ok.error_value());
  send_job_list(*ctx.rt, q, res);
}

/// GET /api/dead-letter/summary: failed jobs grouped by type and error
/// code, within the caller's tenant, from at most max_dead_letters_scanned.
void summarize_dead_letters(route_context ctx, const caller& who, const request& req,
                            response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"type", "tenant"}); !ok)
    return send_error(res, ok.error_value());
  job_filter filter;
  if (auto type = query_param(params, "type")) filter.type = *type;
  if (auto ok = scope_list(who, query_param(params, "tenant"), filter); !ok)
    return send_error(res, ok.error_value());
  dead_letter_summary summary;
  auto scanned =
      scan_dead_letters(*ctx.rt, std::move(filter), max_dead_letters_scanned, [&](const job& j) {
        summary.add(j);
        return true;
      });
  if (!scanned) return send_error(res, scanned.error_value());
  boost::json::array groups;
  for (const auto& g : summary.groups())
    groups.push_back(boost::json::object{{"type", g.type},
                                         {"code", g.code},
                                         {"kind", g.kind},
                                         {"message", g.message},
                                         {"count", g.count},
                                         {"first_seen", format_rfc3339(g.first_seen)},
                                         {"last_seen", format_rfc3339(g.last_seen)}});
  send_json(res, 200,
            boost::json::object{{"groups", std::move(groups)},
                                {"total", summary.total()},
                                {"scanned", scanned->scanned},
                                {"complete", scanned->complete}});
}

/// {"ids": [...], "payload"?} of a batch replay or discard; every id is
/// checked before any is acted on. Instead of ids, {"group": {"type",
/// "code"}} names the failed jobs of one group of the dead-letter summary
/// (up to max_ids_per_request of them, newest first).
struct id_batch {
  std::vector<job_id> ids;
  std::optional<boost::json::value> payload;
  std::optional<std::pair<std::string, std::string>> group;  ///< type, error code
};

expected<std::pair<std::string, std::string>> parse_group(const boost::json::value& v) {
  const auto* o = v.if_object();
  const auto* type = o ? o->if_contains("type") : nullptr;
  const auto* code = o ? o->if_contains("code") : nullptr;
  if (!type || !type->is_string() || !code || !code->is_string() || o->size() != 2)
    return error{error_code::invalid_argument,
                 "$.group: must be {\"type\": \"...\", \"code\": \"...\"}",
                 boost::json::object{{"path", "$.group"}}};
  return std::make_pair(std::string(type->get_string()), std::string(code->get_string()));
}

/// The ids of a batch's group, within the caller's tenant.
expected<void> resolve_group(route_context ctx, const caller& who, id_batch& batch) {
  if (!batch.group) return {};
  job_filter filter;
  filter.type = batch.group->first;
  if (auto ok = scope_list(who, std::nullopt, filter); !ok) return ok;
  auto scanned =
      scan_dead_letters(*ctx.rt, std::move(filter), max_dead_letters_scanned, [&](const job& j) {
        if (dead_letter_code(j) == batch.group->second) batch.ids.push_back(j.id);
        return batch.ids.size() < max_ids_per_request;
      });
  if (!scanned) return std::move(scanned).error_value();
  return {};
}

expected<id_batch> parse_id_batch(const request& req, bool payload_allowed) {
  auto body = parse_json_body(req, false);
  if (!body) return std::move(body).error_value();
  const auto* o = body->if_object();
  if (!o) return error{error_code::invalid_argument, "the body must be {\"ids\": [...]}"};
  id_batch out;
  for (const auto& field : *o) {
    if (field.key() == "payload" && payload_allowed) {
      out.payload = field.value();
    } else if (field.key() == "group") {
      auto group = parse_group(field.value());
      if (!group) return std::move(group).error_value();
      out.group = std::move(*group);
    } else if (field.key() != "ids") {
      return error{error_code::invalid_argument,
                   "$." + std::string(field.key()) + ": unknown field",
                   boost::json::object{{"path", "$." + std::string(field.key())}}};
    }
  }
  const auto* ids = o->if_contains("ids");
  if (out.group) {
    if (ids)
      return error{error_code::invalid_argument, "give either $.ids or $.group, not both",
                   boost::json::object{{"path", "$.group"}}};
    return out;
  }
  auto parsed = parse_id_list(ids, "$.ids");
  if (!parsed) return std::move(parsed).error_value();
  out.ids = std::move(*parsed);
  return out;
}

void replay_many(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto batch = parse_id_batch(req, true);
  if (!batch) return send_error(res, batch.error_value());
  if (auto ok = resolve_group(ctx, who, *batch); !ok) return send_error(res, ok.error_value());
  act_on_each(*ctx.rt, who, batch->ids, res, [&](const job_id& id) {
    return audited(who, "replay", "job " + to_string(id),
                   ctx.rt->replay(id, batch->payload, who.actor()));
  });
}

void discard_many(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto batch = parse_id_batch(req, false);
  if (!batch) return send_error(res, batch.error_value());
  if (auto ok = resolve_group(ctx, who, *batch); !ok) return send_error(res, ok.error_value());
  act_on_each(*ctx.rt, who, batch->ids, res, [&](const job_id& id) {
    return audited(who, "discard", "job " + to_string(id), ctx.rt->discard(id));
  });
}

// Admins only: a type is shared by every tenant, so pausing it holds them all.
void pause_type(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  const bool pause = req.matches[2] == "pause";
  auto done = audited(who, pause ? "pause" : "resume", "type " + name,
                      pause ? ctx.rt->pause_type(name) : ctx.rt->resume_type(name));
  if (!done) {
    auto e = done.error_value();
    if (e.code == error_code::unknown_job_type) e.code = error_code::not_found;
    return send_error(res, e);
  }
  send_json(res, 200, boost::json::object{{"type", name}, {"paused", pause}});
}

}  // namespace

void add_operation_routes(httplib::Server& server, route_context ctx) {
  const std::string one_job = R"(/api/jobs/([^/]+))";
  server.Get(one_job + "/progress", route("get progress", role::viewer, ctx, get_progress));
  server.Get(one_job + "/history", route("get history", role::viewer, ctx, get_history));
  server.Post(one_job + "/retry", route("retry job", role::admin, ctx, replay_one));
  server.Get("/api/dead-letter", route("list dead letters", role::viewer, ctx, list_dead_letters));
  server.Get("/api/dead-letter/summary",
             route("summarize dead letters", role::viewer, ctx, summarize_dead_letters));
  server.Post("/api/dead-letter/replay",
              route("replay dead letters", role::operator_, ctx, replay_many));
  server.Post("/api/dead-letter/discard",
              route("discard dead letters", role::operator_, ctx, discard_many));
  server.Post(R"(/api/dead-letter/([^/]+)/replay)",
              route("replay dead letter", role::operator_, ctx, replay_one));
  server.Post(R"(/api/dead-letter/([^/]+)/discard)",
              route("discard dead letter", role::operator_, ctx, discard_one));
  server.Post(R"(/api/job-types/([^/]+)/(pause|resume))",
              route("pause job type", role::admin, ctx, pause_type));
}

}  // namespace jobforge::http

// Operator routes over one job and the dead-letter queue: progress,
// history, retry, replay, discard (one by one and in batches), and pausing
// a job type. Each makes one runtime call per job it names, after reading
// the job to check that the caller's tenant may see it.

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

constexpr std::size_t max_ids_per_batch = 1'000;

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
  auto replayed = ctx.rt->replay(*id, std::move(*payload), "http");
  if (!replayed) return send_error(res, replayed.error_value());
  send_job(res, 200, *replayed);
}

void discard_one(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  auto discarded = ctx.rt->discard(*id);
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

/// {"ids": [...], "payload"?} of a batch replay or discard; every id is
/// checked before any is acted on.
struct id_batch {
  std::vector<job_id> ids;
  std::optional<boost::json::value> payload;
};

expected<id_batch> parse_id_batch(const request& req, bool payload_allowed) {
  auto body = parse_json_body(req, false);
  if (!body) return std::move(body).error_value();
  const auto* o = body->if_object();
  if (!o) return error{error_code::invalid_argument, "the body must be {\"ids\": [...]}"};
  id_batch out;
  for (const auto& field : *o) {
    if (field.key() == "payload" && payload_allowed) {
      out.payload = field.value();
    } else if (field.key() != "ids") {
      return error{error_code::invalid_argument,
                   "$." + std::string(field.key()) + ": unknown field",
                   boost::json::object{{"path", "$." + std::string(field.key())}}};
    }
  }
  const auto* ids = o->if_contains("ids");
  if (!ids || !ids->is_array() || ids->get_array().empty() ||
      ids->get_array().size() > max_ids_per_batch)
    return error{error_code::invalid_argument, "$.ids: must be an array of 1 to " +
                                                   std::to_string(max_ids_per_batch) + " job ids"};
  const auto& arr = ids->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto id = arr[i].is_string() ? parse_job_id(arr[i].get_string())
                                 : expected<job_id>{error{error_code::invalid_argument, ""}};
    if (!id)
      return error{error_code::invalid_argument,
                   "$.ids[" + std::to_string(i) + "]: must be a job id",
                   boost::json::object{{"path", "$.ids[" + std::to_string(i) + "]"}}};
    out.ids.push_back(*id);
  }
  return out;
}

/// Acts on each id in turn; one id failing does not stop the others. An id
/// of another tenant fails as an unknown one does.
template <class Act>
void for_each_id(route_context ctx, const caller& who, const id_batch& batch, response& res,
                 Act act) {
  boost::json::array results;
  std::size_t ok_count = 0;
  for (const auto& id : batch.ids) {
    auto visible = visible_job(*ctx.rt, who, id);
    auto done = visible ? act(id) : expected<job>{std::move(visible).error_value()};
    if (done) {
      ++ok_count;
      results.push_back(boost::json::object{{"id", to_string(id)}, {"job", to_json(*done)}});
    } else {
      results.push_back(boost::json::object{
          {"id", to_string(id)},
          {"error", error_envelope(done.error_value()).as_object().at("error")}});
    }
  }
  send_json(res, 200,
            boost::json::object{{"succeeded", ok_count},
                                {"failed", batch.ids.size() - ok_count},
                                {"results", std::move(results)}});
}

void replay_many(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto batch = parse_id_batch(req, true);
  if (!batch) return send_error(res, batch.error_value());
  for_each_id(ctx, who, *batch, res,
              [&](const job_id& id) { return ctx.rt->replay(id, batch->payload, "http"); });
}

void discard_many(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto batch = parse_id_batch(req, false);
  if (!batch) return send_error(res, batch.error_value());
  for_each_id(ctx, who, *batch, res, [&](const job_id& id) { return ctx.rt->discard(id); });
}

// Admins only: a type is shared by every tenant, so pausing it holds them all.
void pause_type(route_context ctx, const caller&, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  const std::string name = req.matches[1];
  const bool pause = req.matches[2] == "pause";
  auto done = pause ? ctx.rt->pause_type(name) : ctx.rt->resume_type(name);
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

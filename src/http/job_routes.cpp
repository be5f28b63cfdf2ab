// The job routes of SPEC §8: submit (optionally waiting for the result),
// get, list and cancel. Each parses and validates its request, makes one
// call to the runtime (a ?wait adds the wait itself; the tenant checks add
// a read), and renders the answer. Every job is the caller's tenant's.

#include "http/audit.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>

namespace jobforge::http {
namespace {

using std::chrono::steady_clock;

constexpr double max_wait_seconds = 300;

/// One runtime::wait per slice, so that a stopping server is never held up
/// by a long ?wait for more than a slice.
constexpr milliseconds wait_slice{1'000};

const char* const status_names =
    "scheduled, blocked, pending, running, retrying, completed, failed, canceled";

/// Waits until the job is terminal, the deadline passes, or the server stops.
expected<job> wait_for_job(route_context ctx, const job_id& id, milliseconds budget) {
  const auto deadline = steady_clock::now() + budget;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    auto done = ctx.rt->wait(id, std::clamp(left, milliseconds{1}, wait_slice));
    if (done || done.error_value().code != error_code::timeout) return done;
    if (ctx.stopping->load() || steady_clock::now() >= deadline) return done;
  }
}

void submit(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"wait"}); !ok) return send_error(res, ok.error_value());
  std::optional<double> wait_seconds;
  if (auto text = query_param(params, "wait")) {
    auto parsed = parse_seconds(*text, "wait", max_wait_seconds);
    if (!parsed) return send_error(res, parsed.error_value());
    wait_seconds = *parsed;
  }
  auto body = parse_json_body(req, false);
  if (!body) return send_error(res, body.error_value());
  auto request = job_request_from_json(*body);
  if (!request) return send_error(res, request.error_value());
  if (auto ok = claim_tenant(who, *request); !ok) return send_error(res, ok.error_value());
  auto hidden = first_hidden_parent(*ctx.rt, who, request->dependencies.depends_on);
  if (!hidden) return send_error(res, hidden.error_value());
  if (*hidden) return send_error(res, unknown_parent(**hidden));

  auto submitted = ctx.rt->submit(std::move(*request));
  if (!submitted) return send_error(res, submitted.error_value());
  const int status = submitted->created ? 201 : 200;
  if (!wait_seconds || *wait_seconds <= 0) return send_job(res, status, submitted->value);

  const auto budget = milliseconds{static_cast<std::int64_t>(*wait_seconds * 1000)};
  auto done = wait_for_job(ctx, submitted->value.id, budget);
  if (done) return send_job(res, status, *done);
  if (done.error_value().code != error_code::timeout) return send_error(res, done.error_value());
  // The job exists and goes on; 202 says "accepted, not finished yet" and a
  // client must not resubmit. Answer its current state when we can.
  auto current = ctx.rt->get(submitted->value.id);
  send_job(res, 202, current ? *current : submitted->value);
}

void get_job(route_context ctx, const caller& who, const request& req, response& res) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {}); !ok) return send_error(res, ok.error_value());
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  auto found = visible_job(*ctx.rt, who, *id);
  if (!found) return send_error(res, found.error_value());
  send_job(res, 200, *found);
}

/// A non-empty text parameter, or nullopt when absent.
expected<std::optional<std::string>> text_param(const httplib::Params& params,
                                                const std::string& name) {
  auto text = query_param(params, name);
  if (text && text->empty())
    return error{error_code::invalid_argument, name + " must not be empty",
                 boost::json::object{{"parameter", name}}};
  return text;
}

expected<std::vector<job_status>> parse_statuses(const std::string& text) {
  std::vector<job_status> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const auto item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto status = parse_job_status(item);
    if (!status)
      return error{error_code::invalid_argument,
                   "status must be a comma-separated list of " + std::string(status_names) +
                       ", got \"" + item + "\"",
                   boost::json::object{{"parameter", "status"}, {"value", item}}};
    out.push_back(*status);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

expected<std::optional<timestamp>> time_param(const httplib::Params& params,
                                              const std::string& name) {
  auto text = query_param(params, name);
  if (!text) return std::optional<timestamp>{};
  if (auto t = parse_rfc3339(*text)) return std::optional<timestamp>{*t};
  return error{
      error_code::invalid_argument,
      name + " must be an RFC 3339 time such as 2026-11-23T14:05:09.123Z, got \"" + *text + "\"",
      boost::json::object{{"parameter", name}, {"value", *text}}};
}

/// The job_query a list request asks for, within the caller's tenant.
expected<job_query> parse_list_query(const caller& who, const request& req) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"status", "type", "priority", "tag", "tenant", "created_from",
                                     "created_until", "order", "limit", "cursor"});
      !ok)
    return ok.error_value();
  job_query q;
  auto tenant = text_param(params, "tenant");
  if (!tenant) return tenant.error_value();
  if (auto ok = scope_list(who, *tenant, q.filter); !ok) return std::move(ok).error_value();
  if (auto text = query_param(params, "status")) {
    auto statuses = parse_statuses(*text);
    if (!statuses) return statuses.error_value();
    q.filter.statuses = std::move(*statuses);
  }
  for (auto [name, field] : {std::pair{"type", &q.filter.type}, std::pair{"tag", &q.filter.tag},
                             std::pair{"cursor", &q.cursor}}) {
    auto text = text_param(params, name);
    if (!text) return text.error_value();
    *field = std::move(*text);
  }
  if (auto text = query_param(params, "priority")) {
    q.filter.priority = parse_priority(*text);
    if (!q.filter.priority)
      return error{error_code::invalid_argument,
                   "priority must be one of low, normal, high, critical, got \"" + *text + "\"",
                   boost::json::object{{"parameter", "priority"}, {"value", *text}}};
  }
  for (auto [name, field] : {std::pair{"created_from", &q.filter.created_from},
                             std::pair{"created_until", &q.filter.created_until}}) {
    auto t = time_param(params, name);
    if (!t) return t.error_value();
    *field = *t;
  }
  if (auto text = query_param(params, "order")) {
    if (*text == "created_desc") {
      q.order = job_order::created_desc;
    } else if (*text == "created_asc") {
      q.order = job_order::created_asc;
    } else {
      return error{error_code::invalid_argument,
                   "order must be created_desc or created_asc, got \"" + *text + "\"",
                   boost::json::object{{"parameter", "order"}, {"value", *text}}};
    }
  }
  if (auto ok = read_page_params(params, q); !ok) return std::move(ok).error_value();
  return q;
}

void list_jobs(route_context ctx, const caller& who, const request& req, response& res) {
  auto query = parse_list_query(who, req);
  if (!query) return send_error(res, query.error_value());
  send_job_list(*ctx.rt, *query, res);
}

/// Reads `reason` and `mode` from the query or from a JSON body (not both).
expected<cancel_options> parse_cancel(const request& req) {
  const auto params = query_params(req);
  if (auto ok = check_query(params, {"reason", "mode"}); !ok) return ok.error_value();
  auto body = parse_json_body(req, true);
  if (!body) return body.error_value();
  std::optional<std::string> reason = query_param(params, "reason");
  std::optional<std::string> mode = query_param(params, "mode");
  if (!body->is_null()) {
    if (!body->is_object())
      return error{error_code::invalid_argument, "$: must be an object with reason and mode",
                   boost::json::object{{"path", "$"}}};
    for (const auto& [key, value] : body->get_object()) {
      const std::string name(key);
      auto* field = name == "reason" ? &reason : name == "mode" ? &mode : nullptr;
      const std::string path = "$." + name;
      if (!field)
        return error{error_code::invalid_argument, path + ": unknown field",
                     boost::json::object{{"path", path}, {"reason", "unknown field"}}};
      if (!value.is_string())
        return error{error_code::invalid_argument, path + ": must be a string",
                     boost::json::object{{"path", path}, {"reason", "must be a string"}}};
      if (*field)
        return error{error_code::invalid_argument,
                     name + " is given both in the query and the body",
                     boost::json::object{{"path", path}}};
      *field = std::string(value.get_string());
    }
  }
  cancel_options options;
  options.reason = reason.value_or("");
  if (mode) {
    if (*mode == "graceful") {
      options.mode = cancel_mode::graceful;
    } else if (*mode == "forced") {
      options.mode = cancel_mode::forced;
    } else {
      return error{error_code::invalid_argument,
                   "mode must be graceful or forced, got \"" + *mode + "\"",
                   boost::json::object{{"parameter", "mode"}, {"value", *mode}}};
    }
  }
  return options;
}

void cancel_job(route_context ctx, const caller& who, const request& req, response& res) {
  auto id = parse_job_id(req.matches[1].str());
  if (!id) return send_error(res, id.error_value());
  auto options = parse_cancel(req);
  if (!options) return send_error(res, options.error_value());
  if (auto j = visible_job(*ctx.rt, who, *id); !j) return send_error(res, j.error_value());
  options->by = who.actor();
  auto canceled =
      audited(who, "cancel", "job " + to_string(*id), ctx.rt->cancel(*id, std::move(*options)));
  if (!canceled) return send_error(res, canceled.error_value());
  send_job(res, 200, *canceled);
}

}  // namespace

expected<void> read_page_params(const httplib::Params& params, job_query& q) {
  if (auto cursor = query_param(params, "cursor")) q.cursor = *cursor;
  if (auto text = query_param(params, "limit")) {
    auto limit = parse_integer(*text, "limit", 1, 1000);
    if (!limit) return std::move(limit).error_value();
    q.limit = static_cast<std::size_t>(*limit);
  }
  return {};
}

void send_job_list(runtime& rt, const job_query& q, response& res) {
  auto page = rt.list(q);
  if (!page) return send_error(res, page.error_value());
  send_jobs(res, 200, "items", page->items, page->next_cursor, std::move(page->unreadable));
}

void add_job_routes(httplib::Server& server, route_context ctx) {
  // Ids are matched loosely so that a malformed one gets 400, not 404.
  const std::string one_job = R"(/api/jobs/([^/]+))";
  server.Post("/api/jobs", route("submit", role::submitter, ctx, submit));
  server.Get("/api/jobs", route("list jobs", role::viewer, ctx, list_jobs));
  server.Get(one_job, route("get job", role::viewer, ctx, get_job));
  server.Post(one_job + "/cancel", route("cancel job", role::submitter, ctx, cancel_job));
  server.Delete(one_job, route("cancel job", role::submitter, ctx, cancel_job));
}

}  // namespace jobforge::http

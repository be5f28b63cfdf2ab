// POST /api/jobs/batch: {"jobs": [{"name": "a", ...}, {"name": "b",
// "depends_on": ["a"], ...}]}. Each entry is a submission (SPEC §8) plus an
// optional local name; a depends_on entry is the name of an earlier entry or
// an existing job id. All or nothing: one bad entry rejects the batch with
// its index in the details. Answers 201 with {"jobs": [...]} in order.
// Every entry is the caller's tenant's, and names only parents it can see.

#include "http/batch_request.hpp"
#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "runtime/runtime.hpp"

namespace jobforge::http {
namespace {

/// Gives each entry the caller's tenant and checks that its existing
/// parents are visible; the errors name the entry as the runtime's do.
expected<void> scope_entries(route_context ctx, const caller& who,
                             std::vector<batch_entry>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& request = entries[i].request;
    if (auto ok = claim_tenant(who, request); !ok) return batch_entry_error(i, ok.error_value());
    auto hidden = first_hidden_parent(*ctx.rt, who, request.dependencies.depends_on);
    if (!hidden) return std::move(hidden).error_value();
    if (*hidden) return batch_entry_error(i, unknown_parent(**hidden));
  }
  return {};
}

void submit_batch(route_context ctx, const caller& who, const request& req, response& res) {
  if (auto ok = check_query(query_params(req), {}); !ok) return send_error(res, ok.error_value());
  auto body = parse_json_body(req, false);
  if (!body) return send_error(res, body.error_value());
  auto entries = parse_batch(*body);
  if (!entries) return send_error(res, entries.error_value());
  if (auto ok = scope_entries(ctx, who, *entries); !ok) return send_error(res, ok.error_value());
  auto submitted = ctx.rt->submit_batch(std::move(*entries));
  if (!submitted) return send_error(res, submitted.error_value());
  std::vector<job> jobs;
  jobs.reserve(submitted->size());
  bool any_created = false;
  for (auto& s : *submitted) {
    any_created |= s.created;
    jobs.push_back(std::move(s.value));
  }
  send_jobs(res, any_created ? 201 : 200, "jobs", jobs);
}

}  // namespace

void add_batch_routes(httplib::Server& server, route_context ctx) {
  server.Post("/api/jobs/batch", route("submit batch", role::submitter, ctx, submit_batch));
}

}  // namespace jobforge::http

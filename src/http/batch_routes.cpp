// POST /api/jobs/batch: {"jobs": [{"name": "a", ...}, {"name": "b",
// "depends_on": ["a"], ...}]}. Each entry is a submission (SPEC §8) plus an
// optional local name; a depends_on entry is the name of an earlier entry or
// an existing job id. All or nothing: one bad entry rejects the batch with
// its index in the details. Answers 201 with {"jobs": [...]} in order.
// Every entry is the caller's tenant's, and names only parents it can see.

#include "http/error_response.hpp"
#include "http/job_response.hpp"
#include "http/request_parsing.hpp"
#include "http/routes.hpp"
#include "http/tenant_scope.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <unordered_set>

namespace jobforge::http {
namespace {

/// `e` as the error of entry `index`, in the runtime's form: the message
/// prefixed with "jobs[index]: ", the index in the details.
error entry_error(std::size_t index, const error& e) {
  boost::json::object details;
  if (e.details.is_object()) details = e.details.as_object();
  details["index"] = index;
  return error{e.code, "jobs[" + std::to_string(index) + "]: " + e.message, std::move(details)};
}

error entry_error(std::size_t index, const std::string& message, boost::json::object details = {}) {
  return entry_error(index, error{error_code::invalid_argument, message, std::move(details)});
}

/// The entries of a batch body, with names and local parents taken out of
/// each submission before it is decoded strictly.
expected<std::vector<batch_entry>> parse_batch(const boost::json::value& body) {
  const auto* root = body.if_object();
  if (!root) return error{error_code::invalid_argument, "the body must be {\"jobs\": [...]}"};
  for (const auto& field : *root)
    if (field.key() != "jobs")
      return error{error_code::invalid_argument,
                   "$." + std::string(field.key()) + ": unknown field",
                   boost::json::object{{"path", "$." + std::string(field.key())}}};
  const auto* jobs = root->if_contains("jobs");
  if (!jobs || !jobs->is_array())
    return error{error_code::invalid_argument, "$.jobs: must be an array of submissions"};
  std::vector<batch_entry> out;
  std::unordered_set<std::string> names;
  const auto& list = jobs->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) return entry_error(i, "must be an object");
    boost::json::object submission = list[i].get_object();
    batch_entry e;
    if (auto* name = submission.if_contains("name")) {
      if (!name->is_string() || name->get_string().empty())
        return entry_error(i, "name must be a non-empty string");
      e.name = std::string(name->get_string());
      submission.erase("name");
    }
    if (auto* parents = submission.if_contains("depends_on"); parents && parents->is_array()) {
      boost::json::array ids;
      for (const auto& p : parents->get_array()) {
        if (p.is_string() && names.count(std::string(p.get_string())))
          e.depends_on_names.emplace_back(p.get_string());
        else
          ids.push_back(p);  // an existing job id, checked by the decoder
      }
      (*parents) = std::move(ids);
    }
    auto request = job_request_from_json(submission);
    if (!request) {
      const auto& cause = request.error_value();
      return entry_error(i, error{error_code::invalid_argument, cause.message, cause.details});
    }
    e.request = std::move(*request);
    if (!e.name.empty()) names.insert(e.name);
    out.push_back(std::move(e));
  }
  return out;
}

/// Gives each entry the caller's tenant and checks that its existing
/// parents are visible; the errors name the entry as the runtime's do.
expected<void> scope_entries(route_context ctx, const caller& who,
                             std::vector<batch_entry>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& request = entries[i].request;
    if (auto ok = claim_tenant(who, request); !ok) return entry_error(i, ok.error_value());
    auto hidden = first_hidden_parent(*ctx.rt, who, request.dependencies.depends_on);
    if (!hidden) return std::move(hidden).error_value();
    if (*hidden) return entry_error(i, unknown_parent(**hidden));
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

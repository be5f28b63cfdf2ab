#include "http/tenant_scope.hpp"

#include "runtime/runtime.hpp"

#include <boost/json/object.hpp>

namespace jobforge::http {
namespace {

/// The store writer's answer for an id it does not hold, word for word:
/// a job of another tenant must not be told apart from no job at all.
error no_such_job(const job_id& id) {
  return error{error_code::not_found, "no job " + to_string(id)};
}

error other_tenant(const caller& who, const std::string& named) {
  return error{error_code::forbidden,
               "the API key belongs to tenant \"" + who.tenant + "\" and cannot act for tenant \"" +
                   named + "\" (only admins can)",
               boost::json::object{{"tenant", named}}};
}

}  // namespace

expected<job> visible_job(runtime& rt, const caller& who, const job_id& id) {
  auto found = rt.get(id);
  if (found && !who.may_see(found->tenant)) return no_such_job(id);
  return found;
}

expected<void> claim_tenant(const caller& who, job_request& request) {
  if (request.tenant.empty()) {
    request.tenant = who.tenant;
    return {};
  }
  if (!who.may_see(request.tenant)) return other_tenant(who, request.tenant);
  return {};
}

expected<std::optional<job_id>> first_hidden_parent(runtime& rt, const caller& who,
                                                    const std::vector<job_id>& parents) {
  // Admins see every job: the runtime's own check of the parents suffices.
  if (who.sees_every_tenant()) return std::optional<job_id>{};
  for (const auto& p : parents) {
    auto parent = visible_job(rt, who, p);
    if (parent) continue;
    if (parent.error_value().code == error_code::not_found) return std::optional<job_id>{p};
    return std::move(parent).error_value();
  }
  return std::optional<job_id>{};
}

error unknown_parent(const job_id& parent) {
  return error{error_code::invalid_argument, "depends_on names unknown job " + to_string(parent),
               boost::json::object{{"field", "depends_on"}, {"job_id", to_string(parent)}}};
}

error not_a_possible_parent(const job_id& parent) {
  return error{
      error_code::invalid_argument,
      "job " + to_string(parent) + " is unknown or already finished and cannot become a parent",
      boost::json::object{{"parent", to_string(parent)}}};
}

expected<void> scope_list(const caller& who, const std::optional<std::string>& requested,
                          job_filter& filter) {
  if (requested && requested->empty())
    return error{error_code::invalid_argument, "tenant must not be empty",
                 boost::json::object{{"parameter", "tenant"}}};
  if (requested && !who.may_see(*requested)) return other_tenant(who, *requested);
  if (requested)
    filter.tenant = *requested;
  else if (!who.sees_every_tenant())
    filter.tenant = who.tenant;
  return {};
}

}  // namespace jobforge::http

#include "http/job_type_json.hpp"

#include "model/job_codec.hpp"
#include "model/job_type_policy.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace jobforge::http {

boost::json::value job_type_to_json(const job_type& type) {
  const auto& d = type.defaults;
  boost::json::object defaults{
      {"max_attempts", d.max_attempts},        {"retry", to_json(d.retry)},
      {"max_retry_ms", d.max_retry_ms},        {"timeout_ms", d.timeout_ms},
      {"priority", to_string(d.priority)},     {"unique_for_ms", d.unique_for_ms},
      {"dedup_by_payload", d.dedup_by_payload}};
  // Limits tell a submitter which overrides will be clamped or refused.
  boost::json::object limits{
      {"max_timeout_ms", type.max_timeout_ms},
      {"max_attempts", type.bounds.max_attempts},
      {"max_payload_bytes", type.max_payload_bytes},
      {"concurrency", type.concurrency_limit},
      {"max_retry_ms", type.bounds.max_retry_ms},
      {"rate_limit",
       boost::json::object{{"per_second", type.rate.per_second}, {"burst", type.rate.burst}}}};
  boost::json::object out{{"name", type.name},
                          {"description", type.description},
                          {"schema", type.schema},
                          {"sample_payload", type.sample_payload},
                          {"defaults", std::move(defaults)},
                          {"limits", std::move(limits)}};
  if (!type.samples.empty()) out["samples"] = type.samples;
  return out;
}

boost::json::value job_type_detail_json(const job_type& type) {
  auto out = job_type_to_json(type);
  out.as_object()["policy"] = effective_policy_json(type);
  return out;
}

boost::json::value job_types_to_json(const job_type_registry& registry) {
  boost::json::array items;
  for (const auto* type : registry.list())
    items.push_back(job_type_to_json(*type));
  return boost::json::object{{"items", std::move(items)}};
}

}  // namespace jobforge::http

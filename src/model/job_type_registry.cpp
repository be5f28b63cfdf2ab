#include "model/job_type_registry.hpp"

#include "model/finite_json.hpp"
#include "model/job_factory.hpp"
#include "model/json_text.hpp"
#include "model/webhook.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>

namespace jobforge {
namespace {

error unknown_type(std::string_view name) {
  return error{error_code::unknown_job_type, "unknown job type '" + std::string(name) + "'",
               boost::json::object{{"type", name}}};
}

// The serialised size of a value, stopping early once past `limit`.
std::size_t serialized_size_up_to(const boost::json::value& v, std::size_t limit) {
  boost::json::serializer sr;
  sr.reset(&v);
  char buffer[4096];
  std::size_t total = 0;
  while (!sr.done() && total <= limit)
    total += sr.read(buffer, sizeof buffer).size();
  return total;
}

}  // namespace

bool is_valid_type_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) return false;
  for (char c : name)
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

std::vector<std::string> job_type_registry::apply_policy(std::string_view name,
                                                         const job_type_policy& policy) {
  const auto it = types_.find(name);
  if (it == types_.end()) {
    std::string known;
    for (const auto& named : types_)
      known += (known.empty() ? "" : ", ") + named.first;
    return {"no job type of that name is registered (known: " + known + ")"};
  }
  return jobforge::apply_policy(it->second->type, policy);
}

expected<void> job_type_registry::add(job_type type) {
  if (!is_valid_type_name(type.name))
    return error{error_code::invalid_argument,
                 "job type name '" + type.name + "' must match [a-z0-9][a-z0-9._-]{0,63}"};
  if (types_.count(type.name))
    return error{error_code::duplicate_job_type,
                 "job type '" + type.name + "' is already registered",
                 boost::json::object{{"type", type.name}}};
  if (auto ok =
          validate_retry_defaults(type.defaults.retry, type.defaults.max_attempts, type.bounds);
      !ok)
    return error{ok.error_value().code, "job type '" + type.name + "': " + ok.error_value().message,
                 ok.error_value().details};
  const auto& cap = type.bounds.max_retry_ms;
  if (cap < 0 || cap > max_retry_ms_limit || type.defaults.max_retry_ms < 0 ||
      type.defaults.max_retry_ms > (cap > 0 ? cap : max_retry_ms_limit) ||
      (cap > 0 && type.defaults.max_retry_ms == 0))
    return error{error_code::invalid_argument,
                 "job type '" + type.name + "': max_retry_ms must be within 0.." +
                     std::to_string(max_retry_ms_limit) +
                     ", and within 1..bounds.max_retry_ms when the type caps it"};
  if (type.defaults.timeout_ms < 1 || type.max_timeout_ms < type.defaults.timeout_ms)
    return error{error_code::invalid_argument,
                 "job type '" + type.name + "': timeout_ms must be within 1..max_timeout_ms"};
  if (type.concurrency_limit < 0 || type.rate.per_second < 0 || type.rate.burst < 1 ||
      type.defaults.unique_for_ms < 0)
    return error{error_code::invalid_argument,
                 "job type '" + type.name +
                     "': limits must not be negative and a rate limit's burst must be at least 1"};
  auto validator = payload_validator::compile(type.schema);
  if (!validator)
    return error{error_code::invalid_schema,
                 "job type '" + type.name + "': " + validator.error_value().message,
                 validator.error_value().details};
  if (auto ok = validator->validate(type.sample_payload); !ok)
    return error{error_code::schema_violation,
                 "job type '" + type.name +
                     "': its sample payload does not match its schema: " + ok.error_value().message,
                 ok.error_value().details};
  for (const auto& [sample, payload] : type.samples)
    if (auto ok = validator->validate(payload); !ok)
      return error{error_code::schema_violation,
                   "job type '" + type.name + "': its sample '" + std::string(sample) +
                       "' does not match its schema: " + ok.error_value().message,
                   ok.error_value().details};
  std::string name = type.name;
  types_.emplace(std::move(name),
                 std::make_unique<entry>(entry{std::move(type), std::move(validator).value()}));
  return {};
}

const job_type_registry::entry* job_type_registry::lookup(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second.get();
}

const job_type* job_type_registry::find(std::string_view name) const {
  const entry* e = lookup(name);
  return e ? &e->type : nullptr;
}

std::vector<const job_type*> job_type_registry::list() const {
  std::vector<const job_type*> out;
  out.reserve(types_.size());
  for (const auto& [name, e] : types_)
    out.push_back(&e->type);
  return out;
}

expected<void> job_type_registry::validate_payload(std::string_view type,
                                                   const boost::json::value& payload) const {
  const entry* e = lookup(type);
  if (!e) return unknown_type(type);
  // Before the size: Boost.JSON would count an infinity as `Infinity`.
  if (auto ok = require_finite(payload, "/payload"); !ok) return ok;
  const std::size_t limit = e->type.max_payload_bytes;
  if (const std::size_t size = serialized_size_up_to(payload, limit); size > limit)
    return error{error_code::payload_too_large,
                 "payload exceeds the limit of " + std::to_string(limit) + " bytes for type '" +
                     e->type.name + "'",
                 boost::json::object{{"limit", limit}}};
  return e->validator.validate(payload);
}

expected<boost::json::value> job_type_registry::parse_payload(std::string_view type,
                                                              std::string_view text) const {
  const entry* e = lookup(type);
  if (!e) return unknown_type(type);
  auto parsed = parse_json(text, e->type.max_payload_bytes);
  if (!parsed) return parsed;
  if (auto ok = e->validator.validate(*parsed); !ok) return std::move(ok).error_value();
  return parsed;
}

expected<job> job_type_registry::prepare(const job_request& request, const job_id& id,
                                         timestamp now) const {
  const entry* e = lookup(request.type);
  if (!e) return unknown_type(request.type);
  if (request.webhook_url && !lookup(webhook_delivery_type))
    return error{error_code::invalid_argument,
                 "'webhook_url' cannot be used: this server delivers no webhooks (no job type '" +
                     std::string(webhook_delivery_type) + "')",
                 boost::json::object{{"field", "webhook_url"}}};
  if (auto ok = validate_payload(request.type, request.payload); !ok)
    return std::move(ok).error_value();
  return build_job(request, e->type, id, now);
}

}  // namespace jobforge

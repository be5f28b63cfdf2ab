#pragma once
/// A job type (SPEC §4): its name, schema, sample, defaults, bounds, limits
/// and handler, declared once where the type is defined.

#include "model/handler.hpp"
#include "model/priority.hpp"
#include "model/retry_policy.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace jobforge {

/// What a job of this type gets when its submission says nothing.
struct job_type_defaults {
  int max_attempts = 3;
  retry_settings retry;
  std::int64_t max_retry_ms = 0;  ///< total retry time; 0 = no limit
  std::int64_t timeout_ms = 30'000;
  jobforge::priority priority = priority::normal;
  std::int64_t unique_for_ms = 0;  ///< dedup window when a key applies
  bool dedup_by_payload = false;   ///< derive a dedup key from type + payload
};

/// A token bucket: `per_second` starts refill the bucket up to `burst`.
struct rate_limit {
  double per_second = 0;  ///< 0 = unlimited
  double burst = 1;
  bool limited() const { return per_second > 0; }
};

/// Where a value of a type's policy came from: its definition, the config
/// file's `job_types`, or the JOBFORGE_JOB_TYPES environment variable.
enum class policy_source { built_in, config, environment };

/// "built-in", "config" or "environment".
std::string_view to_string(policy_source s);

/// Everything a registered type declares.
struct job_type {
  std::string name;  ///< [a-z0-9][a-z0-9._-]{0,63}, e.g. "email.send"
  std::string description;
  boost::json::value schema = boost::json::object{};  ///< JSON Schema (draft 7) of the payload
  boost::json::value sample_payload = boost::json::object{};
  /// More sample payloads by name (e.g. "welcome", "notification"), each
  /// checked against the schema like sample_payload.
  boost::json::object samples;
  job_type_defaults defaults;
  retry_bounds bounds;
  std::int64_t max_timeout_ms = 3'600'000;  ///< per-job timeout overrides are capped here
  int concurrency_limit = 0;                ///< running at once; 0 = unlimited
  rate_limit rate;
  std::size_t max_payload_bytes = 1 << 20;  ///< larger payload texts are refused unparsed
  handler_fn handler;
  /// Policy keys an operator set (see job_type_policy.hpp); the others are built-in.
  std::map<std::string, policy_source, std::less<>> policy_sources;
};

}  // namespace jobforge

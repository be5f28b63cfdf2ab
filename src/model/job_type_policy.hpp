#pragma once
/// An operator's policy for a job type (config `job_types.<name>`): the
/// retry, timeout, priority, concurrency, rate and dedup values a type
/// defines, replaced key by key, each checked against the type's own bounds.
///
/// Keys, flat: max_attempts, retry.initial_backoff_ms, retry.max_backoff_ms,
/// retry.multiplier, retry.jitter, retry.retry_on, max_retry_ms, timeout_ms,
/// priority, concurrency_limit, rate_limit.per_second, rate_limit.burst,
/// unique_for_ms. In JSON, `retry` and `rate_limit` are nested objects.

#include "model/job_type.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <vector>

namespace jobforge {

/// One operator setting: its JSON value (type-checked) and where it came from.
struct policy_setting {
  boost::json::value value;
  policy_source source = policy_source::config;
};

/// A type's settings by flat key ("max_attempts", "retry.jitter", ...).
using job_type_policy = std::map<std::string, policy_setting>;

/// Every policy key, in the order they are shown.
const std::vector<std::string>& policy_keys();

/// Reads one `job_types.<name>` object. Each problem (an unknown key, a
/// value of the wrong JSON type) is appended as "key: why"; keys with a
/// problem are left out.
job_type_policy policy_from_json(const boost::json::value& v, policy_source source,
                                 std::vector<std::string>& problems);

/// Sets the policy's values on `type`, each checked against the type's
/// bounds (max_attempts within bounds.max_attempts, timeout_ms within
/// max_timeout_ms, ...), and records their sources. All or nothing: any
/// problem ("key: why") leaves the type as it was.
std::vector<std::string> apply_policy(job_type& type, const job_type_policy& policy);

/// {key: {"value", "source"}} for every policy key: the type's effective policy.
boost::json::object effective_policy_json(const job_type& type);

}  // namespace jobforge

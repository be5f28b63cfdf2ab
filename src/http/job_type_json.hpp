#pragma once
/// The JSON form of registered job types, shared by GET /api/job-types and
/// `jobforge types`.

#include "model/job_type.hpp"
#include "model/job_type_registry.hpp"

#include <boost/json/value.hpp>

namespace jobforge::http {

/// {"name", "description", "schema", "sample_payload", "defaults", "limits"}.
boost::json::value job_type_to_json(const job_type& type);

/// job_type_to_json plus "policy": {key: {"value", "source"}}, the
/// effective policy with where each value came from (built-in, config,
/// environment), for GET /api/job-types/{name}.
boost::json::value job_type_detail_json(const job_type& type);

/// {"items": [...]}, sorted by name.
boost::json::value job_types_to_json(const job_type_registry& registry);

}  // namespace jobforge::http

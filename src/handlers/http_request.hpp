#pragma once
/// `http.request`: an outbound HTTP call through libcurl (SPEC §4).

#include "model/job_type.hpp"

#include <cstddef>
#include <cstdint>

namespace jobforge::handlers {

/// The `http_request` section of the configuration.
struct http_request_settings {
  std::size_t max_response_bytes = 1024 * 1024;  ///< the result's body is cut here
  std::int64_t default_timeout_ms = 30'000;      ///< when the payload gives none
};

/// The `http.request` job type, its handler bound to `settings`.
job_type http_request_type(http_request_settings settings);

}  // namespace jobforge::handlers

#pragma once
/// The OpenAPI 3 description of the HTTP API (src/http/openapi.json,
/// compiled in), served at GET /openapi.json.

#include <string_view>

namespace jobforge::http {

/// The document's JSON text.
std::string_view openapi_document();

}  // namespace jobforge::http

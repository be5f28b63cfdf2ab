#pragma once
/// The text encodings an HTTP client needs: base64 (Basic credentials,
/// binary bodies) and form URL encoding (application/x-www-form-urlencoded).

#include <string>
#include <string_view>

namespace jobforge::handlers {

/// Standard base64 with padding (RFC 4648 §4).
std::string base64_encode(std::string_view bytes);

/// Percent-encodes everything but RFC 3986 unreserved characters, as a form
/// field name or value (and OAuth2 Basic client credentials) require.
std::string form_url_encode(std::string_view text);

}  // namespace jobforge::handlers

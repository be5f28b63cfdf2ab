#pragma once
/// The signature of a webhook delivery: HMAC-SHA256 over the exact body
/// bytes with the configured secret, sent as `X-Jobforge-Signature:
/// sha256=<hex>` so a receiver can check that jobforge sent it.

#include <string>
#include <string_view>

namespace jobforge::handlers {

/// "sha256=" followed by the lowercase hex HMAC-SHA256 of `body` under `secret`.
std::string webhook_signature(std::string_view secret, std::string_view body);

}  // namespace jobforge::handlers

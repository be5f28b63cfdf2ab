#include "http/access.hpp"

#include "http/key_compare.hpp"

#include "model/job_factory.hpp"

#include <boost/json/object.hpp>

#include <cctype>

namespace jobforge::http {
namespace {

bool is_bearer_scheme(std::string_view scheme) {
  constexpr std::string_view bearer = "bearer";
  if (scheme.size() != bearer.size()) return false;
  for (std::size_t i = 0; i < bearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(scheme[i])) != bearer[i]) return false;
  return true;
}

error unauthenticated(std::string message) {
  return error{error_code::unauthenticated, std::move(message)};
}

}  // namespace

key_ring::key_ring(std::vector<api_key> keys) : keys_(std::move(keys)) {}

expected<caller> key_ring::authenticate(const std::optional<std::string>& authorization) const {
  if (!required()) return caller{default_tenant, role::admin, "loopback"};
  if (!authorization)
    return unauthenticated("an API key is required: send Authorization: Bearer <key>");
  // "Bearer" (any case), one or more spaces, the key (RFC 6750 §2.1).
  const std::string_view header(*authorization);
  const auto space = header.find(' ');
  const auto key_start = header.find_first_not_of(' ', space);
  if (space == std::string_view::npos || key_start == std::string_view::npos ||
      !is_bearer_scheme(header.substr(0, space)))
    return unauthenticated("the Authorization header must be \"Bearer <key>\"");
  const auto presented = header.substr(key_start);
  // Every key is compared, even after a match, so that which key matched
  // (and whether any did) takes the same time.
  const api_key* match = nullptr;
  for (const auto& k : keys_)
    if (same_key(presented, k.key)) match = &k;
  if (!match) return unauthenticated("the API key is not valid");
  return caller{match->tenant, match->role, match->name};
}

// See key_compare.hpp. Every byte of `presented` is compared (with the key
// repeated to its length) and the differences are OR-ed together, so the
// loop never ends early; a length mismatch only sets a bit.
bool same_key(std::string_view presented, std::string_view key) {
  unsigned char difference = presented.size() == key.size() ? 0 : 1;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    const auto k = key.empty() ? 0 : static_cast<unsigned char>(key[i % key.size()]);
    difference |= static_cast<unsigned char>(static_cast<unsigned char>(presented[i]) ^ k);
  }
  return difference == 0;
}

error role_too_low(const caller& who, role minimum) {
  return error{
      error_code::forbidden,
      "this request needs the " + std::string(to_string(minimum)) + " role; the API key has " +
          std::string(to_string(who.role)),
      boost::json::object{{"required_role", to_string(minimum)}, {"role", to_string(who.role)}}};
}

}  // namespace jobforge::http

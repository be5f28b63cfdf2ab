#pragma once
/// Who may call the gateway and what they may do (SPEC §8): API keys, each
/// bound to a tenant and a role, and the caller a request authenticates as.
/// Roles are ordered, each allowing what the ones below it allow:
/// viewer < submitter < operator < admin. Without configured keys every
/// caller is admin of tenant "default" (the server then listens on loopback
/// only). No httplib here: the configuration includes this header.

#include "model/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge::http {

/// What an API key may do; a higher role may do everything a lower one may.
enum class role { viewer, submitter, operator_, admin };

/// The role named `text` (viewer, submitter, operator, admin), if any.
inline std::optional<role> parse_role(std::string_view text) {
  if (text == "viewer") return role::viewer;
  if (text == "submitter") return role::submitter;
  if (text == "operator") return role::operator_;
  if (text == "admin") return role::admin;
  return std::nullopt;
}

/// The name of a role, as configured.
inline std::string_view to_string(role r) {
  switch (r) {
    case role::viewer:
      return "viewer";
    case role::submitter:
      return "submitter";
    case role::operator_:
      return "operator";
    case role::admin:
      return "admin";
  }
  return "viewer";
}

/// One configured API key.
struct api_key {
  std::string key;
  std::string tenant;
  http::role role = role::viewer;
  std::string name;  ///< who holds it, for the record of who did what ("": unnamed)
};

/// The authenticated caller of a request.
struct caller {
  std::string tenant;
  http::role role = role::viewer;
  std::string name;  ///< its key's name ("" for an unnamed key; "loopback" without keys)

  /// Who did it, as the job (canceled_by) and the audit log record it: the
  /// key's name, or else its tenant and role.
  std::string actor() const {
    return name.empty() ? tenant + "/" + std::string(to_string(role)) : name;
  }

  /// Admins act on every tenant; everyone else only on their own.
  bool sees_every_tenant() const { return role == role::admin; }
  /// Whether a job of `job_tenant` exists for this caller.
  bool may_see(const std::string& job_tenant) const {
    return sees_every_tenant() || job_tenant == tenant;
  }
};

/// The configured keys, and who an Authorization header authenticates as.
class key_ring {
 public:
  /// No keys: every caller is admin of tenant "default".
  explicit key_ring(std::vector<api_key> keys = {});

  /// Whether requests need a key at all.
  bool required() const { return !keys_.empty(); }
  std::size_t size() const { return keys_.size(); }

  /// The caller an `Authorization` header value (absent: nullopt) stands
  /// for: `unauthenticated` when a key is required and the header is
  /// missing, not "Bearer <key>", or names no configured key. Keys are
  /// compared in constant time, so answer times tell nothing about them.
  expected<caller> authenticate(const std::optional<std::string>& authorization) const;

 private:
  std::vector<api_key> keys_;
};

/// The error for a caller whose role is below `minimum` (`forbidden`).
error role_too_low(const caller& who, role minimum);

}  // namespace jobforge::http

#pragma once
/// Deduplication (SPEC §3): a second submission with the same key, for the
/// same tenant, inside the window returns the first job.

#include "model/error.hpp"
#include "model/job_id.hpp"
#include "model/time.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jobforge {

/// The deduplication key of a submission: the explicit `unique_key` if any;
/// otherwise, when the type asks for it, "sha256:" + the hex SHA-256 of the
/// type name and the canonical payload; otherwise none. A payload with a
/// number that is not finite has no canonical form (`invalid_argument`).
expected<std::optional<std::string>> dedup_key(std::string_view type,
                                               const boost::json::value& payload,
                                               const std::optional<std::string>& unique_key,
                                               bool type_dedups_by_payload);

/// Keys seen recently, per tenant, each remembered until its window ends.
class dedup_window {
 public:
  /// The job holding (tenant, key) at `now`, if its window is still open.
  std::optional<job_id> find(const std::string& tenant, const std::string& key,
                             timestamp now) const;

  /// Remembers (tenant, key) -> id until `expires_at` (replaces an expired entry).
  void remember(const std::string& tenant, const std::string& key, const job_id& id,
                timestamp expires_at);

  /// Forgets (tenant, key) if it still points at `id` (a submission that
  /// failed after claiming the key).
  void forget(const std::string& tenant, const std::string& key, const job_id& id);

  /// Drops entries whose window has ended; returns how many.
  std::size_t expire(timestamp now);

  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    job_id id;
    timestamp expires_at;
  };
  std::map<std::pair<std::string, std::string>, entry> entries_;
  std::multimap<timestamp, std::pair<std::string, std::string>> by_expiry_;
};

}  // namespace jobforge

#pragma once
/// The registry of job types: one place where every type is declared, with
/// payload validation and job creation from a submission.

#include "model/error.hpp"
#include "model/job.hpp"
#include "model/job_request.hpp"
#include "model/job_type.hpp"
#include "model/job_type_policy.hpp"
#include "model/payload_validator.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge {

/// Job types by name. Filled at start-up, read-only (and thread-safe) after.
class job_type_registry {
 public:
  /// Registers a type. Fails on a duplicate or malformed name, an invalid
  /// schema, a sample payload the schema rejects, or defaults outside the
  /// type's own bounds.
  expected<void> add(job_type type);

  /// The type of that name, or nullptr.
  const job_type* find(std::string_view name) const;

  /// Every type, sorted by name.
  std::vector<const job_type*> list() const;

  std::size_t size() const { return types_.size(); }

  /// Sets an operator's policy on the type named (job_type_policy.hpp),
  /// before the registry is shared. Answers the problems ("key: why", or
  /// an unknown type with the known names); none when it applied.
  std::vector<std::string> apply_policy(std::string_view name, const job_type_policy& policy);

  /// Checks a payload value against the type's schema and size limit; its
  /// numbers must be finite (an error naming "/payload/...").
  expected<void> validate_payload(std::string_view type, const boost::json::value& payload) const;

  /// Parses payload text for a type: refused unparsed when over the type's
  /// size limit, then parsed, then validated.
  expected<boost::json::value> parse_payload(std::string_view type, std::string_view text) const;

  /// Turns a submission into a new job with id `id` at `now`: the type must
  /// exist, the payload must validate, then defaults apply (job_factory).
  expected<job> prepare(const job_request& request, const job_id& id, timestamp now) const;

 private:
  struct entry {
    job_type type;
    payload_validator validator;
  };
  const entry* lookup(std::string_view name) const;
  std::map<std::string, std::unique_ptr<entry>, std::less<>> types_;
};

/// Whether `name` is a well-formed type name.
bool is_valid_type_name(std::string_view name);

}  // namespace jobforge

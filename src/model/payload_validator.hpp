#pragma once
/// A compiled JSON Schema (valijson, Boost.JSON adapter) that reports every
/// violation with its JSON path.

#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <memory>

namespace jobforge {

/// Validates payloads against one schema. Immutable after compile, so it
/// may be shared between threads.
class payload_validator {
 public:
  /// Compiles a draft-7 schema; `invalid_schema` with the reason otherwise.
  static expected<payload_validator> compile(const boost::json::value& schema);

  /// Succeeds, or fails with `schema_violation` whose details list every
  /// violation as {"path": "$.to", "message": "..."}; only the most specific
  /// violation is kept when a parent merely repeats a child's failure.
  expected<void> validate(const boost::json::value& payload) const;

 private:
  struct compiled;
  explicit payload_validator(std::shared_ptr<const compiled> c) : compiled_(std::move(c)) {}
  std::shared_ptr<const compiled> compiled_;
};

}  // namespace jobforge

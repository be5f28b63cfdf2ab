#pragma once
/// Job ids: random (version 4) UUIDs, stored as 16 bytes, rendered in the
/// canonical lowercase 8-4-4-4-12 form.

#include "model/random_source.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// A job's identity: a UUID v4.
class job_id {
 public:
  /// The nil UUID (all zero); never assigned to a job.
  job_id() = default;

  /// A fresh version-4 UUID drawn from `rng`.
  static job_id generate(random_source& rng);

  /// Parses the canonical 36-character form (either case); nullopt otherwise.
  static std::optional<job_id> parse(std::string_view text);

  /// Builds an id from raw bytes (used by stores).
  static job_id from_bytes(const std::array<std::uint8_t, 16>& bytes);

  bool is_nil() const noexcept;
  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

  friend bool operator==(const job_id& a, const job_id& b) noexcept { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const job_id& a, const job_id& b) noexcept { return !(a == b); }
  friend bool operator<(const job_id& a, const job_id& b) noexcept { return a.bytes_ < b.bytes_; }

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

/// Lowercase canonical form, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e".
std::string to_string(const job_id& id);

}  // namespace jobforge

template <>
struct std::hash<jobforge::job_id> {
  std::size_t operator()(const jobforge::job_id& id) const noexcept;
};

#pragma once
/// Job ids: UUIDs stored as 16 bytes, rendered in the canonical lowercase
/// 8-4-4-4-12 form. Jobs get time-ordered (version 7) ids: the first 48 bits
/// are the creation time in Unix milliseconds, so a store's primary-key index
/// takes each new job at its end instead of at a random page (a fifth fewer
/// SQLite page writes per batch, see bench/README.md). Random (version 4) ids
/// remain for tests that want ids free of any clock.

#include "model/random_source.hpp"
#include "model/time.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// A job's identity: a UUID (version 7 for every job the runtime creates).
class job_id {
 public:
  /// The nil UUID (all zero); never assigned to a job.
  job_id() = default;

  /// A fresh version-4 UUID drawn from `rng`.
  static job_id generate(random_source& rng);

  /// A fresh version-7 UUID: `at` in Unix milliseconds (clamped to the 48
  /// bits RFC 9562 gives it: 1970 to the year 10889), then 74 random bits.
  /// Ids made in a later millisecond sort after earlier ones (operator<);
  /// within one millisecond their order is random.
  static job_id generate_time_ordered(random_source& rng, timestamp at);

  /// Parses the canonical 36-character form (either case); nullopt otherwise.
  static std::optional<job_id> parse(std::string_view text);

  /// Builds an id from raw bytes (used by stores).
  static job_id from_bytes(const std::array<std::uint8_t, 16>& bytes);

  bool is_nil() const noexcept;

  /// The UUID version (4, 7, ...): the high nibble of byte 6.
  int version() const noexcept { return bytes_[6] >> 4; }
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

#pragma once
/// UTF-8 checks: a streaming validator for text read in chunks, and a
/// repair that makes any bytes safe to put in a JSON string (or a
/// PostgreSQL text, which must be valid UTF-8).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// Validates UTF-8 (RFC 3629: no overlongs, surrogates or code points past
/// U+10FFFF) fed in pieces that may split a character anywhere.
class utf8_validator {
 public:
  void feed(std::string_view bytes);
  /// Ends the input: a character still unfinished makes it invalid.
  void finish();
  bool valid() const { return !invalid_at_; }
  /// The offset of the first malformed sequence's first byte, if any.
  std::optional<std::uint64_t> first_invalid_offset() const { return invalid_at_; }

 private:
  std::uint64_t offset_ = 0;
  std::uint64_t sequence_start_ = 0;
  int pending_ = 0;                         ///< continuation bytes still expected
  unsigned char low_ = 0x80, high_ = 0xBF;  ///< the next continuation byte's range
  std::optional<std::uint64_t> invalid_at_;
};

/// Whether `bytes` is whole, valid UTF-8.
bool is_valid_utf8(std::string_view bytes);

/// `bytes` with each malformed sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view bytes);

/// `text` without a trailing, incomplete UTF-8 sequence (left by a cut).
std::string_view drop_partial_character(std::string_view text);

}  // namespace jobforge

#include "model/utf8_text.hpp"

namespace jobforge {
namespace {

// What a lead byte starts: how many continuation bytes follow, and the range
// allowed for the first of them (narrowed to exclude overlongs, surrogates
// and code points past U+10FFFF). -1 when it cannot start a character.
struct lead_byte {
  int continuations = -1;
  unsigned char low = 0x80, high = 0xBF;
};

lead_byte classify(unsigned char b) {
  if (b < 0x80) return {0};
  if (b >= 0xC2 && b <= 0xDF) return {1};
  if (b == 0xE0) return {2, 0xA0, 0xBF};
  if (b == 0xED) return {2, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {2};
  if (b == 0xF0) return {3, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {3};
  if (b == 0xF4) return {3, 0x80, 0x8F};
  return {};
}

// The length of the valid character at the start of `s`, or 0.
std::size_t valid_character_length(std::string_view s) {
  const auto lead = classify(static_cast<unsigned char>(s[0]));
  if (lead.continuations < 0 || s.size() < static_cast<std::size_t>(lead.continuations) + 1)
    return 0;
  for (int i = 1; i <= lead.continuations; ++i) {
    const auto b = static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
    const unsigned char low = i == 1 ? lead.low : 0x80, high = i == 1 ? lead.high : 0xBF;
    if (b < low || b > high) return 0;
  }
  return static_cast<std::size_t>(lead.continuations) + 1;
}

}  // namespace

void utf8_validator::feed(std::string_view bytes) {
  if (invalid_at_) return;  // only the first malformed sequence is reported
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (pending_ > 0) {
      if (b < low_ || b > high_) {
        invalid_at_ = sequence_start_;
        return;
      }
      --pending_;
      low_ = 0x80;
      high_ = 0xBF;
    } else if (b >= 0x80) {
      const auto lead = classify(b);
      if (lead.continuations < 0) {
        invalid_at_ = offset_;
        return;
      }
      sequence_start_ = offset_;
      pending_ = lead.continuations;
      low_ = lead.low;
      high_ = lead.high;
    }
    ++offset_;
  }
}

void utf8_validator::finish() {
  if (!invalid_at_ && pending_ > 0) invalid_at_ = sequence_start_;
}

bool is_valid_utf8(std::string_view bytes) {
  // ASCII, the common case, needs no state.
  std::size_t i = 0;
  while (i < bytes.size() && static_cast<unsigned char>(bytes[i]) < 0x80)
    ++i;
  if (i == bytes.size()) return true;
  utf8_validator v;
  v.feed(bytes.substr(i));
  v.finish();
  return v.valid();
}

std::string repair_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    std::size_t n = valid_character_length(bytes);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(bytes.data(), n);
    }
    bytes.remove_prefix(n);
  }
  return out;
}

std::string_view drop_partial_character(std::string_view text) {
  // A character is at most 4 bytes: look back for the last lead byte.
  for (std::size_t back = 1; back <= 4 && back <= text.size(); ++back) {
    const auto b = static_cast<unsigned char>(text[text.size() - back]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte
    const auto lead = classify(b);
    if (lead.continuations >= 0 && static_cast<std::size_t>(lead.continuations) + 1 > back)
      return text.substr(0, text.size() - back);
    return text;
  }
  return text;
}

}  // namespace jobforge

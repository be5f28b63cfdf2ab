#include "handlers/mime_encoding.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace jobforge::handlers {

namespace {

constexpr std::size_t max_line = 76;               // RFC 2045 limit for encoded body lines
constexpr std::size_t base64_line_bytes = 57;      // 57 bytes make 76 base64 characters
constexpr std::size_t encoded_word_bytes = 45;     // 60 base64 characters: a 72-character word
constexpr std::size_t encoded_word_overhead = 12;  // "=?UTF-8?B?" and "?="

std::string base64_flat(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string hex_escape(char prefix, unsigned char c) {
  char buffer[4];
  std::snprintf(buffer, sizeof buffer, "%c%02X", prefix, c);
  return buffer;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

bool is_atext(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view{"!#$%&'*+-/=?^_`{|}~"}.find(c) != std::string_view::npos;
}

// A reader would take a literal "=?" for the start of an encoded-word.
bool needs_encoded_words(std::string_view text) {
  return !is_printable_ascii(text) || text.find("=?") != std::string_view::npos;
}

// Encoded-words for `text`, split on character boundaries, the first sized
// to fit after `used` characters; consecutive words are joined by
// `separator` (a fold or a space, both ignored between words when decoded).
std::string encoded_words(std::string_view text, std::size_t used, std::string_view separator) {
  std::string out;
  std::size_t pos = 0;
  std::size_t line_used = used;
  while (pos < text.size()) {
    const std::size_t room =
        recommended_header_line > line_used + encoded_word_overhead
            ? (recommended_header_line - line_used - encoded_word_overhead) / 4 * 3
            : 0;
    std::size_t take =
        std::min({encoded_word_bytes, std::max<std::size_t>(room, 12), text.size() - pos});
    // A multi-byte character stays whole within one word (RFC 2047 §5).
    while (take > 0 && pos + take < text.size() && is_utf8_continuation(text[pos + take]))
      --take;
    if (take == 0) take = std::min(encoded_word_bytes, text.size() - pos);
    if (!out.empty()) out += separator;
    out += "=?UTF-8?B?" + base64_flat(text.substr(pos, take)) + "?=";
    pos += take;
    line_used = 1;
  }
  return out;
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / base64_line_bytes * (max_line + 2) + max_line + 2);
  for (std::size_t pos = 0; pos < bytes.size(); pos += base64_line_bytes) {
    out += base64_flat(bytes.substr(pos, base64_line_bytes));
    out += "\r\n";
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(base64_decoded_size_bound(text.size()));
  std::uint32_t bits = 0;
  int pending = 0;
  int padding = 0;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = base64_value(c);
    if (v < 0 || padding > 0) return std::nullopt;  // a stray character, or data after '='
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++pending == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      pending = 0;
    }
  }
  // Two or three leftover characters carry one or two bytes; padding, when
  // present, must make the text a whole number of quanta.
  if (pending == 1 || padding > 2 || (padding > 0 && pending + padding != 4)) return std::nullopt;
  if (pending == 2) out += static_cast<char>((bits >> 4) & 0xFF);
  if (pending == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

std::size_t base64_decoded_size_bound(std::size_t text_length) {
  return (text_length + 3) / 4 * 3;
}

std::string quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    const bool last_line = line_end == std::string_view::npos;
    if (last_line) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!last_line && !line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool at_end = i + 1 == line.size();
      std::string token;
      // Trailing blanks are encoded: transports may strip them (RFC 2045 rule 3).
      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end))
        token = std::string(1, static_cast<char>(c));
      else
        token = hex_escape('=', c);
      // A soft break ("=") needs one column, except after the line's last token.
      if (column + token.size() > (at_end ? max_line : max_line - 1)) {
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    if (last_line) break;
    out += "\r\n";
    line_start = line_end + 1;
  }
  return out;
}

bool is_printable_ascii(std::string_view text) {
  for (const char c : text)
    if (!((c >= 0x20 && c <= 0x7E) || c == '\t')) return false;
  return true;
}

std::string header_text(std::string_view text, std::size_t used) {
  if (needs_encoded_words(text)) return encoded_words(text, used, "\r\n ");
  // Fold before a space once the line would pass 78 characters; the space
  // stays as the fold's leading white space, so unfolding restores the text.
  std::string out;
  std::size_t line_used = used;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next = text.find(' ', pos + 1);
    if (next == std::string_view::npos) next = text.size();
    const std::string_view segment = text.substr(pos, next - pos);
    if (segment.front() == ' ' && line_used + segment.size() > recommended_header_line &&
        !out.empty()) {
      out += "\r\n";
      line_used = 0;
    }
    out += segment;
    line_used += segment.size();
    pos = next;
  }
  return out;
}

std::string header_phrase(std::string_view name) {
  if (name.empty()) return {};
  if (needs_encoded_words(name)) return encoded_words(name, 0, " ");
  bool plain = true;
  for (const char c : name)
    if (!is_atext(c) && c != ' ') plain = false;
  if (plain) return std::string(name);
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string mime_parameter(std::string_view name, std::string_view value) {
  if (is_printable_ascii(value)) {
    std::string quoted;
    for (const char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return std::string(name) + "=\"" + quoted + "\"";
  }
  std::string out = std::string(name) + "*=utf-8''";
  for (const char c : value) {
    const bool attr_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view{"!#$&+-.^_`|~"}.find(c) != std::string_view::npos;
    out += attr_char ? std::string(1, c) : hex_escape('%', static_cast<unsigned char>(c));
  }
  return out;
}

}  // namespace jobforge::handlers

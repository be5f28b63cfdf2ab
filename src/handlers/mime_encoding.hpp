#pragma once
/// The encodings an e-mail message is written in (RFC 2045, 2047, 2231):
/// base64 in 76-character lines, quoted-printable, encoded-words for
/// non-ASCII header text, and percent-encoded parameter values.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge::handlers {

/// RFC 5322's recommended length of a header line, which folding aims for.
constexpr std::size_t recommended_header_line = 78;

/// Base64 of `bytes` in lines of at most 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view bytes);

/// Decodes base64, ignoring whitespace (wrapped input); nullopt when a
/// character is outside the alphabet or the padding is wrong.
std::optional<std::string> decode_base64(std::string_view text);

/// How many bytes base64 text of this length decodes to, at most.
std::size_t base64_decoded_size_bound(std::size_t text_length);

/// Quoted-printable (RFC 2045 §6.7) of a text body: its line breaks (LF or
/// CRLF) become CRLF hard breaks, lines are soft-broken at 76 characters.
std::string quoted_printable(std::string_view text);

/// True if every byte is printable ASCII or a space/tab.
bool is_printable_ascii(std::string_view text);

/// `text` as it may stand in an unstructured header (Subject): kept when
/// printable ASCII, otherwise RFC 2047 "B" encoded-words of at most 75
/// characters; long values are folded (CRLF + space) so no line passes 78
/// characters where a fold is possible. `used` is how much of the first line
/// the header name has taken.
std::string header_text(std::string_view text, std::size_t used);

/// A display name as an RFC 5322 phrase: atoms as they are, a quoted-string
/// when it holds specials, encoded-words when it is not ASCII.
std::string header_phrase(std::string_view name);

/// A MIME parameter, `name="value"` or, for non-ASCII values, RFC 2231
/// `name*=utf-8''percent-encoded`.
std::string mime_parameter(std::string_view name, std::string_view value);

}  // namespace jobforge::handlers

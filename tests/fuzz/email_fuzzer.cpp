// The e-mail address and MIME code of the email.send handler. The whole
// input goes through each encoder and the address parser; its lines (from,
// to, cc, subject, attachment name, then the text body) make a message
// written as MIME, as the handler would after its payload checks.
// Properties: base64 and quoted-printable decode back to their input;
// encoded header text and parameters never carry a line break that is not a
// fold; a parsed address formats and parses back to itself; a written
// message is CRLF lines of at most 998 characters whose header lines each
// start with a field name or continue a fold (no header injection).

#include "fuzz_check.hpp"
#include "handlers/email_address.hpp"
#include "handlers/mime_encoding.hpp"
#include "handlers/mime_message.hpp"
#include "model/handler.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace jobforge;
using namespace jobforge::handlers;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Reads quoted-printable back (soft breaks removed, =XX decoded).
std::string decode_quoted_printable(std::string_view qp) {
  std::string out;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] != '=') {
      out += qp[i];
      continue;
    }
    FUZZ_CHECK(i + 2 < qp.size());
    if (qp[i + 1] == '\r' && qp[i + 2] == '\n') {
      i += 2;
      continue;
    }
    const int high = hex_value(qp[i + 1]);
    const int low = hex_value(qp[i + 2]);
    FUZZ_CHECK(high >= 0 && low >= 0);
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

/// The text with its line breaks (LF or CRLF) as CRLF, as quoted_printable writes them.
std::string with_crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (text[i] == '\n') out += '\r';
    out += text[i];
  }
  return out;
}

/// Splits CRLF-terminated lines; fails on a bare CR or LF.
std::vector<std::string_view> crlf_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find("\r\n", start);
    FUZZ_CHECK(end != std::string_view::npos);
    const auto line = text.substr(start, end - start);
    FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
    lines.push_back(line);
    start = end + 2;
  }
  return lines;
}

/// Header text: line breaks only as folds (CRLF followed by a space).
void check_folded(std::string_view header) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == '\n') FUZZ_CHECK(i > 0 && header[i - 1] == '\r');
    if (header[i] == '\r') FUZZ_CHECK(header.substr(i, 3) == "\r\n ");
  }
}

std::optional<mailbox> try_mailbox(std::string_view text) {
  try {
    return parse_mailbox(text, "to[0]");
  } catch (const permanent_error& e) {
    FUZZ_CHECK(e.code() == "invalid_address" || e.code() == "header_injection");
    return std::nullopt;
  }
}

void check_message(std::string_view input) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (lines.size() < 5) {
    const auto end = input.find('\n', start);
    if (end == std::string_view::npos) return;
    lines.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  // The payload schema's bounds: addresses of at most 320 characters.
  for (std::size_t i = 0; i < 3; ++i)
    if (lines[i].size() > 320) return;
  email_message m;
  auto from = try_mailbox(lines[0]);
  if (!from) return;
  m.from = *from;
  if (auto to = try_mailbox(lines[1])) m.to.push_back(*to);
  if (auto cc = try_mailbox(lines[2])) m.cc = {*cc, *cc};
  // The payload schema's bounds: a subject of at most 900 characters, an
  // attachment name of 1 to 255, neither with a line break.
  if (lines[3].size() > 900 || lines[3].find('\r') != std::string_view::npos) return;
  m.subject = std::string(lines[3]);
  const std::string_view body = input.substr(start);
  m.text = std::string(body);
  if (body.find("<html") != std::string_view::npos) m.html = std::string(body);
  if (!lines[4].empty() && lines[4].size() <= 255 && lines[4].find('\r') == std::string_view::npos)
    m.attachments.push_back(
        email_attachment{std::string(lines[4]), "text/plain", std::string(body.substr(0, 200))});

  const auto written = write_mime_message(m, std::chrono::system_clock::time_point{});
  bool in_headers = true;
  for (const auto line : crlf_lines(written.data)) {
    FUZZ_CHECK(line.size() <= 998);
    if (!in_headers) continue;
    if (line.empty()) {
      in_headers = false;
      continue;
    }
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    const auto colon = line.find(':');
    const bool field = colon != std::string_view::npos && colon > 0 &&
                       line.substr(0, colon).find(' ') == std::string_view::npos;
    FUZZ_CHECK(continuation || field);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(decode_base64(base64_lines(input)) == std::string(input));
  if (auto bytes = decode_base64(input))
    FUZZ_CHECK(bytes->size() <= base64_decoded_size_bound(size));

  const std::string qp = quoted_printable(input);
  const std::string qp_lines = qp.empty() ? qp : qp + "\r\n";
  for (const auto line : crlf_lines(qp_lines)) {
    FUZZ_CHECK(line.size() <= 76);
    FUZZ_CHECK(is_printable_ascii(line));
  }
  FUZZ_CHECK(decode_quoted_printable(qp) == with_crlf(input));

  const std::size_t used = size % 40;
  check_folded(header_text(input, used));
  const std::string phrase = header_phrase(input);
  FUZZ_CHECK(phrase.find_first_of("\r\n") == std::string::npos);
  const std::string parameter = mime_parameter("filename", input);
  FUZZ_CHECK(is_printable_ascii(parameter));

  if (auto m = try_mailbox(input)) {
    FUZZ_CHECK(is_printable_ascii(m->address));
    const std::string formatted = format_mailbox(*m);
    FUZZ_CHECK(formatted.find_first_of("\r\n") == std::string::npos);
    auto again = try_mailbox(formatted);
    FUZZ_CHECK(again && again->address == m->address);
    check_folded(format_mailbox_list({*m, *m, *m}, 4));
  }
  check_message(input);
  return 0;
}

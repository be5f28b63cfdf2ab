#include "handlers/email_address.hpp"

#include "handlers/blank_trim.hpp"
#include "handlers/mime_encoding.hpp"
#include "model/handler.hpp"

namespace jobforge::handlers {

namespace {

constexpr std::size_t max_local_part = 64;
constexpr std::size_t max_domain = 255;
constexpr std::size_t max_label = 63;

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A dot-atom local part (RFC 5321 §4.1.2); quoted local parts are refused,
// since no real mailbox needs them and they complicate every later step.
bool is_local_part(std::string_view s) {
  if (s.empty() || s.size() > max_local_part || s.front() == '.' || s.back() == '.') return false;
  char previous = '\0';
  for (const char c : s) {
    const bool atext =
        is_alnum(c) || std::string_view{"!#$%&'*+-/=?^_`{|}~"}.find(c) != std::string_view::npos;
    if (!atext && c != '.') return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

bool is_domain(std::string_view s) {
  if (s.empty() || s.size() > max_domain) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view label = s.substr(start, end - start);
    if (label.empty() || label.size() > max_label || label.front() == '-' || label.back() == '-')
      return false;
    for (const char c : label)
      if (!is_alnum(c) && c != '-') return false;
    start = end + 1;
  }
  return true;
}

bool is_address(std::string_view s) {
  const auto at = s.rfind('@');
  return at != std::string_view::npos && is_local_part(s.substr(0, at)) &&
         is_domain(s.substr(at + 1));
}

std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace

mailbox parse_mailbox(std::string_view text, const std::string& field) {
  if (text.find_first_of("\r\n") != std::string_view::npos)
    throw permanent_error("header_injection", field + " contains a line break");
  const std::string_view trimmed = trim_blanks(text);
  mailbox m;
  std::string_view address = trimmed;
  if (!trimmed.empty() && trimmed.back() == '>') {
    const auto open = trimmed.rfind('<');
    if (open != std::string_view::npos) {
      m.display_name = unquote(trim_blanks(trimmed.substr(0, open)));
      address = trim_blanks(trimmed.substr(open + 1, trimmed.size() - open - 2));
    }
  }
  if (!is_address(address))
    throw permanent_error("invalid_address",
                          field + ": \"" + std::string(text) +
                              "\" is not an e-mail address (local@domain in ASCII, optionally "
                              "as \"Name <local@domain>\")");
  m.address = std::string(address);
  return m;
}

std::string format_mailbox(const mailbox& m) {
  if (m.display_name.empty()) return m.address;
  return header_phrase(m.display_name) + " <" + m.address + ">";
}

std::string format_mailbox_list(const std::vector<mailbox>& list, std::size_t used) {
  std::string out;
  std::size_t line_used = used;
  for (const auto& m : list) {
    const std::string formatted = format_mailbox(m);
    if (!out.empty()) {
      out += ',';
      if (line_used + 2 + formatted.size() > recommended_header_line) {
        out += "\r\n";
        line_used = 0;
      }
      out += ' ';
      line_used += 2;
    }
    out += formatted;
    line_used += formatted.size();
  }
  return out;
}

}  // namespace jobforge::handlers

#pragma once
/// Header values and e-mail addresses are padded with optional whitespace
/// (RFC 9110 "OWS", RFC 5322 "FWS" once unfolded): spaces and tabs.

#include <string_view>

namespace jobforge::handlers {

/// `s` without the spaces and tabs at either end.
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace jobforge::handlers

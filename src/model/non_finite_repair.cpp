#include "model/non_finite_repair.hpp"

#include <array>

namespace jobforge {

std::optional<std::string> repair_non_finite_tokens(std::string_view text) {
  // Longest first: "-Infinity" must win over "Infinity".
  static constexpr std::array<std::string_view, 3> tokens = {"-Infinity", "Infinity", "NaN"};
  std::string out;
  bool changed = false;
  bool in_string = false;
  std::size_t copied = 0;  // text before this is in `out` already
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    for (const auto token : tokens) {
      if (text.compare(i, token.size(), token) != 0) continue;
      out.append(text.substr(copied, i - copied)).append("null");
      i += token.size() - 1;
      copied = i + 1;
      changed = true;
      break;
    }
  }
  if (!changed) return std::nullopt;
  out.append(text.substr(copied));
  return out;
}

}  // namespace jobforge

#include "model/ecma_pattern.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>

namespace jobforge {

struct ecma_pattern::engine {
  std::string source;
  std::unique_ptr<const re2::RE2> linear;  ///< set when RE2 took it
  std::optional<std::regex> backtracking;  ///< else this
};

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Whether the pattern uses what only a backtracking engine does: a
/// lookahead or lookbehind, or a back-reference (`\1`..`\9` outside a class).
bool needs_backtracking(std::string_view p) {
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (!in_class && i + 1 < p.size() && p[i + 1] >= '1' && p[i + 1] <= '9') return true;
      ++i;
    } else if (in_class) {
      in_class = c != ']';  // ECMAScript: `[]` ends at its first `]`
    } else if (c == '[') {
      in_class = true;
    } else if (p.compare(i, 3, "(?=") == 0 || p.compare(i, 3, "(?!") == 0 ||
               p.compare(i, 4, "(?<=") == 0 || p.compare(i, 4, "(?<!") == 0) {
      return true;
    }
  }
  return false;
}

/// Whether a regular expression names a back-reference of more than three
/// digits (`\7777777777`): the standard library's ECMAScript parser
/// overflows a signed integer reading it (undefined behaviour, found by the
/// fuzzer). No real pattern has a thousand groups.
bool has_huge_back_reference(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    std::size_t digits = 0;
    while (i + 1 + digits < pattern.size() && pattern[i + 1 + digits] >= '0' &&
           pattern[i + 1 + digits] <= '9')
      ++digits;
    if (digits > 3) return true;
    i += digits > 0 ? digits : 1;  // past the escaped character or the digits
  }
  return false;
}

// Where a `{n}`, `{n,}` or `{n,m}` quantifier starting at `open` ends (its
// `}`), or 0 when the brace is a literal one.
std::size_t brace_quantifier_end(std::string_view p, std::size_t open) {
  std::size_t i = open + 1;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < p.size() && p[i] >= '0' && p[i] <= '9')
      ++i;
    return i > from;
  };
  if (!digits()) return 0;
  if (i < p.size() && p[i] == ',') {
    ++i;
    digits();
  }
  return i < p.size() && p[i] == '}' ? i : 0;
}

/// The most a `{n}`, `{n,}` or `{n,m}` quantifier may count: RE2's limit,
/// kept for the patterns the backtracking engine takes too, where each
/// repetition is a state of its own (`x{77777}` took a second to compile).
constexpr std::uint64_t most_repetitions = 1000;

/// A quantifier of a pattern: `*`, `+`, `?` or a brace one, outside a class
/// and not escaped.
struct quantifier {
  std::size_t begin;        ///< its first character
  std::size_t end;          ///< its last (a brace one's `}`), a lazy `?` not included
  bool repeats_quantifier;  ///< it follows another quantifier (and its lazy `?`) at once
};

/// Calls `visit(q)` on each quantifier of `p` in turn until it returns true;
/// whether one did.
template <class Visit>
bool any_quantifier(std::string_view p, Visit visit) {
  bool after_quantifier = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      after_quantifier = false;
      continue;
    }
    if (c == '[') {  // a class: quantifier characters in it are literals
      std::size_t j = i + 1;
      while (j < p.size() && p[j] != ']')
        j += p[j] == '\\' ? 2 : 1;
      i = j;
      after_quantifier = false;
      continue;
    }
    std::size_t end = i;
    const bool is_quantifier =
        c == '*' || c == '+' || c == '?' || (c == '{' && (end = brace_quantifier_end(p, i)) != 0);
    if (!is_quantifier) {
      after_quantifier = false;
      continue;
    }
    // `(?:`, `(?=`, `(?!`: a group's `?` follows its `(`, no quantifier.
    if (c == '?' && i > 0 && p[i - 1] == '(') continue;
    if (visit(quantifier{i, end, after_quantifier})) return true;
    i = end;
    if (i + 1 < p.size() && p[i + 1] == '?') ++i;  // lazy
    after_quantifier = true;
  }
  return false;
}

/// Whether a brace quantifier counts past most_repetitions.
bool has_huge_repetition(std::string_view p) {
  return any_quantifier(p, [p](const quantifier& q) {
    std::uint64_t count = 0;
    for (std::size_t j = q.begin + 1; j < q.end; ++j) {  // empty for `*`, `+`, `?`
      if (p[j] == ',') {
        count = 0;
        continue;
      }
      count = count * 10 + static_cast<std::uint64_t>(p[j] - '0');
      if (count > most_repetitions) return true;
    }
    return false;
  });
}

/// Whether a quantifier repeats another one (`a*+`, `a+*`, `a{2}{3}`,
/// `a???`): ECMAScript refuses them ("nothing to repeat"), but libstdc++'s
/// std::regex reads them as a repetition of a repetition, which backtracks
/// exponentially (a hang of the validator found by the fuzzer, `^[^a]*+x`).
/// A lazy `?` after a quantifier is no second quantifier.
bool has_stacked_quantifier(std::string_view p) {
  return any_quantifier(p, [](const quantifier& q) { return q.repeats_quantifier; });
}

error bad_pattern(std::string_view pattern, const std::string& what) {
  const std::string why = "pattern \"" + std::string(pattern) + "\" " + what;
  return error{error_code::invalid_schema, "invalid JSON Schema: " + why,
               boost::json::object{{"reason", why}}};
}

}  // namespace

std::string ecma_to_re2_syntax(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      if (p[i + 1] == 'u' && i + 5 < p.size() && is_hex(p[i + 2]) && is_hex(p[i + 3]) &&
          is_hex(p[i + 4]) && is_hex(p[i + 5])) {
        out += "\\x{";
        out += p.substr(i + 2, 4);
        out += '}';
        i += 5;
      } else {
        out += p.substr(i, 2);
        ++i;
      }
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      out += c;
      continue;
    }
    if (c == '[') {
      // ECMAScript's `[]` matches nothing and `[^]` anything; RE2 (like
      // Perl) would read the `]` as the first member of a class.
      if (p.substr(i, 2) == "[]") {
        out += "[^\\x00-\\x{10FFFF}]";
        ++i;
        continue;
      }
      if (p.substr(i, 3) == "[^]") {
        out += "[\\x00-\\x{10FFFF}]";
        i += 2;
        continue;
      }
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      continue;
    }
    if (c == '(' && p.substr(i, 3) == "(?<" && i + 3 < p.size() && p[i + 3] != '=' &&
        p[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

expected<ecma_pattern> ecma_pattern::compile(std::string_view source) {
  auto e = std::make_shared<engine>();
  e->source = std::string(source);
  // A back-reference goes to the backtracking engine before RE2 sees it:
  // RE2 would read `\12` as an octal escape where ECMAScript names group 12.
  if (!needs_backtracking(source)) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(ecma_to_re2_syntax(source), options);
    if (!re->ok()) return bad_pattern(source, "is not valid: " + re->error());
    e->linear = std::move(re);
    return ecma_pattern{std::move(e)};
  }
  if (has_huge_back_reference(source))
    return bad_pattern(source, "names a back-reference past \\999");
  if (has_stacked_quantifier(source))
    return bad_pattern(source, "repeats a repetition (such as \"*+\"): not an ECMAScript pattern");
  if (has_huge_repetition(source))
    return bad_pattern(
        source, "repeats something more than " + std::to_string(most_repetitions) + " times");
  try {
    e->backtracking.emplace(e->source, std::regex::ECMAScript);
  } catch (const std::regex_error& x) {
    return bad_pattern(source, std::string("is not valid: ") + x.what());
  }
  return ecma_pattern{std::move(e)};
}

bool ecma_pattern::search(std::string_view text) const {
  if (engine_->linear)
    return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *engine_->linear);
  return std::regex_search(text.begin(), text.end(), *engine_->backtracking);
}

bool ecma_pattern::linear() const {
  return engine_->linear != nullptr;
}

const std::string& ecma_pattern::source() const {
  return engine_->source;
}

}  // namespace jobforge

#pragma once
/// A regular expression of a JSON Schema (`pattern`, the keys of
/// `patternProperties`), written in ECMA-262 syntax as JSON Schema asks,
/// and matched anywhere in a text (a search, not a whole match).
///
/// Why not std::regex alone: it backtracks, so a pattern with nested
/// repetition (`^(a+)+$`) takes time exponential in the text, and one hostile
/// payload string of 40 characters holds a thread for minutes. Every pattern
/// RE2 can express (the whole subset JSON Schema recommends, and more) is
/// matched by RE2, in time linear in the text. Only a pattern that needs
/// what RE2 refuses to do (a lookahead or a back-reference) keeps the
/// backtracking engine; `linear()` says which one a pattern got. A
/// lookbehind is refused: std::regex has none either.
///
/// RE2 also reads the text as UTF-8 code points, as ECMAScript reads
/// characters: `^.{3}$` matches "äöü" (std::regex counted its six bytes).

#include "model/error.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace jobforge {

class ecma_pattern {
 public:
  /// The pattern compiled, or `invalid_schema` saying why it cannot be.
  static expected<ecma_pattern> compile(std::string_view source);

  /// Whether `text` contains a match.
  bool search(std::string_view text) const;

  /// Whether matching takes time linear in the text (RE2), rather than
  /// backtracking (a lookahead or back-reference needs std::regex).
  bool linear() const;

  const std::string& source() const;

 private:
  struct engine;
  explicit ecma_pattern(std::shared_ptr<const engine> e) : engine_(std::move(e)) {}
  std::shared_ptr<const engine> engine_;  ///< immutable: shared between threads
};

/// `source` in RE2's syntax where ECMAScript spells a thing otherwise:
/// `\uXXXX` becomes `\x{XXXX}`, a named group `(?<name>` becomes
/// `(?P<name>`. The rest is the same in both.
std::string ecma_to_re2_syntax(std::string_view source);

}  // namespace jobforge

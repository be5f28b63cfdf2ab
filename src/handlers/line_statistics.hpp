#pragma once
/// Line and byte figures of a text fed in chunks: counts, the longest line,
/// empty and CRLF lines, NUL bytes, UTF-8 validity, and the first lines.

#include "model/utf8_text.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge::handlers {

/// One of the first lines of a file, as kept for a report.
struct kept_line {
  std::uint64_t number = 0;  ///< 1-based
  std::string text;          ///< valid UTF-8 (malformed bytes become U+FFFD), maybe cut
  std::uint64_t bytes = 0;   ///< the whole line's length, its terminator excluded
  bool cut = false;          ///< `text` holds only the line's start
};

/// The figures, once the whole text was fed. A line ends at "\n" (a "\r"
/// before it belongs to the terminator); a last line without one counts too.
struct line_figures {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t empty_lines = 0;
  std::uint64_t crlf_lines = 0;           ///< lines ended by "\r\n"
  std::uint64_t longest_line = 0;         ///< bytes, terminator excluded
  std::uint64_t longest_line_number = 0;  ///< its 1-based number; 0 if no line
  bool final_newline = false;             ///< the text ends with "\n"
  std::uint64_t nul_bytes = 0;            ///< more than none suggests a binary file
  bool valid_utf8 = true;
  std::optional<std::uint64_t> first_invalid_utf8_offset;
  std::vector<kept_line> first_lines;
};

/// Accumulates line_figures over chunks split anywhere.
class line_counter {
 public:
  /// Keeps the first `keep_lines` lines, each cut at `max_kept_line_bytes`.
  line_counter(std::size_t keep_lines, std::size_t max_kept_line_bytes);
  void feed(std::string_view chunk);
  /// Ends the text and returns the figures.
  line_figures finish();

 private:
  void extend_line(std::string_view piece);
  void end_line();

  std::size_t keep_lines_;
  std::size_t max_kept_line_bytes_;
  line_figures figures_;
  utf8_validator utf8_;
  std::uint64_t line_bytes_ = 0;  ///< of the line being read, a trailing "\r" included
  bool line_ends_with_cr_ = false;
  std::string kept_;  ///< the start of the line being read, while lines are kept
};

}  // namespace jobforge::handlers

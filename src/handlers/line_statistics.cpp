#include "handlers/line_statistics.hpp"

#include <algorithm>

namespace jobforge::handlers {

line_counter::line_counter(std::size_t keep_lines, std::size_t max_kept_line_bytes)
    : keep_lines_(keep_lines), max_kept_line_bytes_(max_kept_line_bytes) {}

void line_counter::feed(std::string_view chunk) {
  figures_.bytes += chunk.size();
  figures_.nul_bytes += static_cast<std::uint64_t>(std::count(chunk.begin(), chunk.end(), '\0'));
  utf8_.feed(chunk);
  if (!chunk.empty()) figures_.final_newline = chunk.back() == '\n';
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    extend_line(chunk.substr(0, newline));
    if (newline == std::string_view::npos) break;
    end_line();
    chunk.remove_prefix(newline + 1);
  }
}

void line_counter::extend_line(std::string_view piece) {
  if (piece.empty()) return;
  line_bytes_ += piece.size();
  line_ends_with_cr_ = piece.back() == '\r';
  // One byte past the limit is kept, so a line cut exactly there is seen as cut.
  if (figures_.first_lines.size() < keep_lines_ && kept_.size() <= max_kept_line_bytes_)
    kept_.append(piece.substr(0, max_kept_line_bytes_ + 1 - kept_.size()));
}

void line_counter::end_line() {
  const std::uint64_t length = line_bytes_ - (line_ends_with_cr_ ? 1 : 0);
  if (line_ends_with_cr_) ++figures_.crlf_lines;
  if (length == 0) ++figures_.empty_lines;
  ++figures_.lines;
  if (length > figures_.longest_line || figures_.longest_line_number == 0) {
    figures_.longest_line = length;
    figures_.longest_line_number = figures_.lines;
  }
  if (figures_.first_lines.size() < keep_lines_) {
    kept_line line;
    line.number = figures_.lines;
    line.bytes = length;
    line.cut = length > max_kept_line_bytes_;
    std::string_view text(kept_);
    text = text.substr(0, std::min<std::uint64_t>(length, max_kept_line_bytes_));
    if (line.cut) text = drop_partial_character(text);
    line.text = repair_utf8(text);
    figures_.first_lines.push_back(std::move(line));
  }
  line_bytes_ = 0;
  line_ends_with_cr_ = false;
  kept_.clear();
}

line_figures line_counter::finish() {
  if (line_bytes_ > 0) {
    // An unterminated last line keeps a trailing "\r" as its own content.
    line_ends_with_cr_ = false;
    end_line();
  }
  utf8_.finish();
  figures_.valid_utf8 = utf8_.valid();
  figures_.first_invalid_utf8_offset = utf8_.first_invalid_offset();
  return std::move(figures_);
}

}  // namespace jobforge::handlers

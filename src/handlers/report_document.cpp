#include "handlers/report_document.hpp"

#include "handlers/byte_progress.hpp"

#include <boost/json/serialize.hpp>

#include <filesystem>

namespace jobforge::handlers {
namespace {

std::string with_separators(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

// Control characters other than tab would garble a terminal or an editor.
std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
      out += "\xEF\xBF\xBD";
    else
      out += c;
  }
  return out;
}

void field(std::string& out, const char* name, const std::string& value) {
  std::string label = name;
  label.resize(20, ' ');
  out += "  " + label + value + "\n";
}

}  // namespace

boost::json::object report_summary(const file_report& report) {
  const auto& f = report.figures;
  boost::json::object o;
  o["path"] = report.path;
  o["name"] = std::filesystem::path(report.path).filename().string();
  o["bytes"] = f.bytes;
  o["lines"] = f.lines;
  o["empty_lines"] = f.empty_lines;
  o["crlf_lines"] = f.crlf_lines;
  o["longest_line"] = f.longest_line;
  o["longest_line_number"] = f.longest_line_number;
  o["final_newline"] = f.final_newline;
  o["nul_bytes"] = f.nul_bytes;
  o["valid_utf8"] = f.valid_utf8;
  o["first_invalid_utf8_offset"] = f.first_invalid_utf8_offset
                                       ? boost::json::value(*f.first_invalid_utf8_offset)
                                       : boost::json::value(nullptr);
  o["sha256"] = report.sha256;
  return o;
}

std::string render_json_report(const file_report& report) {
  auto o = report_summary(report);
  boost::json::array lines;
  for (const auto& line : report.figures.first_lines)
    lines.push_back(boost::json::object{
        {"number", line.number}, {"text", line.text}, {"bytes", line.bytes}, {"cut", line.cut}});
  o["top_lines"] = std::move(lines);
  return boost::json::serialize(o) + "\n";
}

std::string render_text_report(const file_report& report) {
  const auto& f = report.figures;
  const auto yes_no = [](bool b) { return std::string(b ? "yes" : "no"); };
  std::string out = "Report on " + printable(report.path) + "\n\n";
  field(out, "bytes", with_separators(f.bytes) + " (" + format_bytes(f.bytes) + ")");
  field(out, "lines", with_separators(f.lines));
  field(out, "empty lines", with_separators(f.empty_lines));
  field(out, "CRLF lines", with_separators(f.crlf_lines));
  field(out, "longest line",
        f.lines == 0 ? std::string("-")
                     : with_separators(f.longest_line) + " bytes (line " +
                           with_separators(f.longest_line_number) + ")");
  field(out, "ends with newline", yes_no(f.final_newline));
  field(out, "NUL bytes", with_separators(f.nul_bytes));
  field(out, "valid UTF-8",
        f.first_invalid_utf8_offset ? "no (first malformed byte at offset " +
                                          with_separators(*f.first_invalid_utf8_offset) + ")"
                                    : std::string("yes"));
  field(out, "SHA-256", report.sha256);
  if (!f.first_lines.empty()) {
    out += "\nFirst " + std::to_string(f.first_lines.size()) + " line" +
           (f.first_lines.size() == 1 ? "" : "s") + "\n";
    for (const auto& line : f.first_lines) {
      std::string number = std::to_string(line.number);
      number.insert(0, number.size() < 6 ? 6 - number.size() : 0, ' ');
      out += number + "  " + printable(line.text);
      if (line.cut) out += " [... " + with_separators(line.bytes) + " bytes in all]";
      out += "\n";
    }
  }
  return out;
}

}  // namespace jobforge::handlers

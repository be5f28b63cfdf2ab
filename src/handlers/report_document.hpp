#pragma once
/// What `report.generate` writes: the figures of one file as the job's JSON
/// result, and the full report (figures and first lines) as JSON or text.

#include "handlers/line_statistics.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace jobforge::handlers {

/// Everything a report says about one file.
struct file_report {
  std::string path;    ///< as the payload named it
  std::string sha256;  ///< lowercase hex
  line_figures figures;
};

/// The figures as a JSON object, without the first lines.
boost::json::object report_summary(const file_report& report);
/// The whole report as a JSON document: the summary plus `top_lines`.
std::string render_json_report(const file_report& report);
/// The whole report laid out for people to read.
std::string render_text_report(const file_report& report);

}  // namespace jobforge::handlers

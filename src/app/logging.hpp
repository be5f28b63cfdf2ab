#pragma once
/// The process's log output: text lines, or JSON lines (one object per
/// line: ts, level, logger, thread, msg, with the message escaped so that
/// every line stays valid JSON whatever a handler logs). A handler's log
/// line also gets job_id, type and attempt as fields of their own.

#include <spdlog/formatter.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace jobforge::app {

/// `format`: text | json; `level`: trace | debug | info | warn | error.
void configure_logging(const std::string& format, const std::string& level);

/// The formatter of JSON lines.
std::unique_ptr<spdlog::formatter> json_line_formatter();

/// `text` escaped for use inside a JSON string (without the quotes).
std::string json_escaped(const std::string& text);

/// A job's log line split into the job it is about and its message.
struct job_log_prefix {
  std::string_view id;
  std::string_view type;
  int attempt = 0;
  std::string_view message;
};

/// Splits "job=<id> type=<type> attempt=<n> <message>" (how a handler's
/// logger writes); nullopt for any other line.
std::optional<job_log_prefix> split_job_prefix(std::string_view line);

}  // namespace jobforge::app

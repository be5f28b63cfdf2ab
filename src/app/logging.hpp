#pragma once
/// The process's log output: text lines, or JSON lines (one object per
/// line: ts, level, logger, thread, msg, with the message escaped so that
/// every line stays valid JSON whatever a handler logs).

#include <string>

namespace jobforge::app {

/// `format`: text | json; `level`: trace | debug | info | warn | error.
void configure_logging(const std::string& format, const std::string& level);

/// `text` escaped for use inside a JSON string (without the quotes).
std::string json_escaped(const std::string& text);

}  // namespace jobforge::app

#include "app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <string_view>

namespace jobforge::app {
namespace {

std::string_view payload_of(const spdlog::details::log_msg& msg) {
  return {msg.payload.data(), msg.payload.size()};
}

// %* in a pattern: the message, escaped for a JSON string, without the
// job prefix that %J turns into fields.
class escaped_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto payload = payload_of(msg);
    const auto job = split_job_prefix(payload);
    const std::string text = json_escaped(std::string(job ? job->message : payload));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<escaped_message>();
  }
};

// %J in a pattern: "job_id":"...","type":"...","attempt":N, for a job's
// log line (the handler's logger prefixes them), else nothing.
class job_fields final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto job = split_job_prefix(payload_of(msg));
    if (!job) return;
    const std::string text = "\"job_id\":\"" + json_escaped(std::string(job->id)) +
                             "\",\"type\":\"" + json_escaped(std::string(job->type)) +
                             "\",\"attempt\":" + std::to_string(job->attempt) + ",";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<job_fields>();
  }
};

}  // namespace

std::optional<job_log_prefix> split_job_prefix(std::string_view line) {
  // "job=<id> type=<type> attempt=<n> <message>", as attempt_context writes it.
  const auto field = [&](std::string_view name) -> std::optional<std::string_view> {
    if (line.substr(0, name.size()) != name) return std::nullopt;
    const auto end = line.find(' ', name.size());
    if (end == std::string_view::npos || end == name.size()) return std::nullopt;
    auto value = line.substr(name.size(), end - name.size());
    line.remove_prefix(end + 1);
    return value;
  };
  job_log_prefix out;
  auto id = field("job=");
  auto type = id ? field("type=") : std::nullopt;
  auto attempt = type ? field("attempt=") : std::nullopt;
  if (!attempt || attempt->size() > 9 ||
      attempt->find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  out.id = *id;
  out.type = *type;
  out.attempt = std::stoi(std::string(*attempt));
  out.message = line;
  return out;
}

std::unique_ptr<spdlog::formatter> json_line_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<escaped_message>('*').add_flag<job_fields>('J').set_pattern(
      R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","thread":%t,%J"msg":"%*"})");
  return formatter;
}

std::string json_escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char code[8];
          std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(ch));
          out += code;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

void configure_logging(const std::string& format, const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  if (format == "json") spdlog::set_formatter(json_line_formatter());
}

}  // namespace jobforge::app

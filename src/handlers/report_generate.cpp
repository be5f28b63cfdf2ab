// report.generate: reads a file under the input folder in chunks and writes a
// report on it (JSON or text) to the work folder; the runtime then keeps that
// report as the job's downloadable result, and the figures as its JSON result.

#include "handlers/byte_progress.hpp"
#include "handlers/chunked_file.hpp"
#include "handlers/file_types.hpp"
#include "handlers/input_path.hpp"
#include "handlers/line_statistics.hpp"
#include "handlers/report_document.hpp"
#include "handlers/sha256_digest.hpp"
#include "handlers/work_file.hpp"

#include <boost/json/parse.hpp>

#include <optional>
#include <string>

namespace jobforge::handlers {
namespace {

// A kept line is cut here: enough to recognise it, small enough that a
// report of the most lines stays a few megabytes.
constexpr std::size_t max_kept_line_bytes = 2048;
constexpr std::size_t default_top_lines = 10;

struct report_request {
  std::string path;
  bool text_format = false;
  std::size_t top_lines = default_top_lines;
};

// The schema has checked the payload already when the runtime runs it; this
// keeps a handler called directly from throwing on a malformed one.
std::optional<job_error> read_request(const boost::json::value& payload, report_request& out) {
  const auto invalid = [](std::string message) {
    return job_error{"invalid_payload", std::move(message), error_kind::permanent};
  };
  const auto* o = payload.if_object();
  if (!o) return invalid("the payload must be an object");
  const auto* path = o->if_contains("path");
  if (!path || !path->is_string()) return invalid("field `path` must be a string");
  out.path = std::string(path->get_string());
  if (const auto* format = o->if_contains("format")) {
    if (!format->is_string() || (format->get_string() != "json" && format->get_string() != "text"))
      return invalid("field `format` must be \"json\" or \"text\"");
    out.text_format = format->get_string() == "text";
  }
  if (const auto* top = o->if_contains("top_lines")) {
    boost::system::error_code ec;
    const auto n = top->to_number<std::int64_t>(ec);
    if (ec || n < 0 || n > 1000)
      return invalid("field `top_lines` must be an integer from 0 to 1000");
    out.top_lines = static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

handler_result generate_report(const file_settings& settings, handler_context& ctx,
                               const boost::json::value& payload) {
  report_request request;
  if (auto bad = read_request(payload, request)) return handler_result::failure(*bad);
  const auto input = resolve_input_path(settings.input_dir, request.path);
  if (input.failure) return handler_result::failure(*input.failure);

  sha256_digest digest;
  if (!digest.valid())
    return handler_result::transient("out_of_memory", "cannot set up the SHA-256 digest");
  line_counter counter(request.top_lines, max_kept_line_bytes);
  byte_progress progress(ctx, "reading", input.size);
  if (auto failed = read_in_chunks(input.path, settings.chunk_bytes, ctx, progress,
                                   [&](std::string_view chunk) -> std::optional<job_error> {
                                     digest.update(chunk);
                                     counter.feed(chunk);
                                     return std::nullopt;
                                   }))
    return handler_result::failure(*failed);

  if (!digest.valid())
    return handler_result::transient("digest_failed", "OpenSSL failed computing the SHA-256");
  const file_report report{request.path, digest.hex(), counter.finish()};
  work_file output;
  if (auto failed =
          output.create(settings.work_dir, ctx, "report", request.text_format ? ".txt" : ".json"))
    return handler_result::failure(*failed);
  if (auto failed = output.write(request.text_format ? render_text_report(report)
                                                     : render_json_report(report)))
    return handler_result::failure(*failed);
  if (auto failed = output.commit()) return handler_result::failure(*failed);
  progress.finish();

  auto summary = report_summary(report);
  summary["format"] = request.text_format ? "text" : "json";
  summary["report_bytes"] = output.bytes_written();
  return handler_result::ok_file(
      output.path().string(),
      request.text_format ? "text/plain; charset=utf-8" : "application/json", std::move(summary));
}

}  // namespace

job_type report_generate_type(file_settings settings) {
  job_type t;
  t.name = "report.generate";
  t.description =
      "Reads `path` (relative to the input folder, or absolute inside it) in chunks and reports "
      "on it: bytes, lines (a last line without \"\\n\" counts), empty and CRLF lines, the "
      "longest line (bytes without its terminator, and its number), whether it ends with a "
      "newline, NUL bytes (a hint of binary content), UTF-8 validity with the first malformed "
      "offset, and the SHA-256. The JSON result holds these figures; the downloadable result is "
      "the report as `format` \"json\" (the figures plus `top_lines`: the first lines, each "
      "with its number, byte length and text cut at 2 KiB, malformed UTF-8 shown as U+FFFD) "
      "or \"text\" (the same laid out for people). `top_lines` defaults to 10. Progress is "
      "reported by bytes read; a stop ends it between chunks, leaving no output behind.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {
      "path": {"type": "string", "minLength": 1, "maxLength": 4096},
      "format": {"type": "string", "enum": ["json", "text"], "default": "json"},
      "top_lines": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 10}
    },
    "required": ["path"],
    "additionalProperties": false
  })");
  t.sample_payload =
      boost::json::parse(R"({"path": "logs/access.log", "format": "text", "top_lines": 5})");
  t.defaults.max_attempts = 3;
  t.defaults.timeout_ms = 600'000;
  t.max_timeout_ms = 86'400'000;
  t.handler = [settings = std::move(settings)](handler_context& ctx,
                                               const boost::json::value& payload) {
    return generate_report(settings, ctx, payload);
  };
  return t;
}

}  // namespace jobforge::handlers

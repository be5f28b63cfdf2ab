// file.process: gzips or gunzips a file under the input folder, streaming it
// chunk by chunk through zlib into the work folder; the runtime then keeps
// the output as the job's downloadable result.

#include "handlers/byte_progress.hpp"
#include "handlers/chunked_file.hpp"
#include "handlers/file_types.hpp"
#include "handlers/gzip_stream.hpp"
#include "handlers/input_path.hpp"
#include "handlers/sha256_digest.hpp"
#include "handlers/work_file.hpp"

#include <boost/json/parse.hpp>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

namespace jobforge::handlers {
namespace {

constexpr int default_level = 6;  // zlib's own default: its best speed/size trade

struct process_request {
  std::string path;
  bool compress = true;
  int level = default_level;
};

// The schema has checked the payload already when the runtime runs it; this
// keeps a handler called directly from throwing on a malformed one.
std::optional<job_error> read_request(const boost::json::value& payload, process_request& out) {
  const auto invalid = [](std::string message) {
    return job_error{"invalid_payload", std::move(message), error_kind::permanent};
  };
  const auto* o = payload.if_object();
  if (!o) return invalid("the payload must be an object");
  const auto* path = o->if_contains("path");
  if (!path || !path->is_string()) return invalid("field `path` must be a string");
  out.path = std::string(path->get_string());
  const auto* operation = o->if_contains("operation");
  if (!operation || !operation->is_string() ||
      (operation->get_string() != "gzip" && operation->get_string() != "gunzip"))
    return invalid("field `operation` must be \"gzip\" or \"gunzip\"");
  out.compress = operation->get_string() == "gzip";
  if (const auto* level = o->if_contains("level")) {
    if (!out.compress) return invalid("field `level` applies to gzip only");
    boost::system::error_code ec;
    const auto n = level->to_number<std::int64_t>(ec);
    if (ec || n < 1 || n > 9) return invalid("field `level` must be an integer from 1 to 9");
    out.level = static_cast<int>(n);
  }
  return std::nullopt;
}

// The name to save the output under: "a.txt" -> "a.txt.gz"; "a.txt.gz" ->
// "a.txt", "a.tgz" -> "a.tar", anything else -> "<name>.out".
std::string suggested_name(const std::string& requested, bool compress) {
  const std::string name = std::filesystem::path(requested).filename().string();
  if (compress) return name + ".gz";
  const auto ends_with = [&](const std::string& suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".gz")) return name.substr(0, name.size() - 3);
  if (ends_with(".tgz")) return name.substr(0, name.size() - 4) + ".tar";
  return name + ".out";
}

handler_result process_file(const file_settings& settings, handler_context& ctx,
                            const boost::json::value& payload) {
  process_request request;
  if (auto bad = read_request(payload, request)) return handler_result::failure(*bad);
  const auto input = resolve_input_path(settings.input_dir, request.path);
  if (input.failure) return handler_result::failure(*input.failure);

  sha256_digest input_digest, output_digest;
  if (!input_digest.valid() || !output_digest.valid())
    return handler_result::transient("out_of_memory", "cannot set up the SHA-256 digests");
  gzip_stream zlib(request.compress ? gzip_stream::mode::compress : gzip_stream::mode::decompress,
                   request.level);
  if (zlib.start_failure()) return handler_result::failure(*zlib.start_failure());
  work_file output;
  if (auto failed = output.create(settings.work_dir, ctx, request.compress ? "gzip" : "gunzip",
                                  request.compress ? ".gz" : ".out"))
    return handler_result::failure(*failed);

  const output_sink write_output = [&](std::string_view bytes) -> std::optional<job_error> {
    if (output.bytes_written() + bytes.size() > settings.max_output_bytes)
      return job_error{
          "output_too_large",
          "the output would pass the limit of " + format_bytes(settings.max_output_bytes),
          error_kind::permanent};
    output_digest.update(bytes);
    return output.write(bytes);
  };
  byte_progress progress(ctx, request.compress ? "compressing" : "decompressing", input.size);
  if (auto failed = read_in_chunks(input.path, settings.chunk_bytes, ctx, progress,
                                   [&](std::string_view chunk) {
                                     input_digest.update(chunk);
                                     return zlib.feed(chunk, write_output);
                                   }))
    return handler_result::failure(*failed);
  if (auto failed = zlib.finish(write_output)) return handler_result::failure(*failed);
  if (!input_digest.valid() || !output_digest.valid())
    return handler_result::transient("digest_failed", "OpenSSL failed computing a SHA-256");
  if (auto failed = output.commit()) return handler_result::failure(*failed);
  progress.finish();

  const std::uint64_t input_bytes = progress.done(), output_bytes = output.bytes_written();
  boost::json::object summary{
      {"operation", request.compress ? "gzip" : "gunzip"},
      {"path", request.path},
      {"input_bytes", input_bytes},
      {"output_bytes", output_bytes},
      {"ratio", input_bytes == 0
                    ? boost::json::value(nullptr)
                    : boost::json::value(std::round(1e4 * static_cast<double>(output_bytes) /
                                                    static_cast<double>(input_bytes)) /
                                         1e4)},
      {"input_sha256", input_digest.hex()},
      {"output_sha256", output_digest.hex()},
      {"suggested_name", suggested_name(request.path, request.compress)}};
  if (request.compress) summary["level"] = request.level;
  return handler_result::ok_file(output.path().string(),
                                 request.compress ? "application/gzip" : "application/octet-stream",
                                 std::move(summary));
}

}  // namespace

job_type file_process_type(file_settings settings) {
  job_type t;
  t.name = "file.process";
  t.description =
      "Transforms `path` (relative to the input folder, or absolute inside it) with zlib, "
      "streaming it chunk by chunk: `operation` \"gzip\" compresses it (`level` 1..9, default "
      "6) into a .gz file (application/gzip); \"gunzip\" decompresses gzip data (several "
      "concatenated members too) into application/octet-stream, and refuses malformed or "
      "truncated input for good (`corrupt_input`). The output is the downloadable result; the "
      "JSON result gives input and output bytes, `ratio` (output bytes / input bytes), both "
      "SHA-256 digests and `suggested_name` (\"a.txt\" -> \"a.txt.gz\", \"a.txt.gz\" -> "
      "\"a.txt\"). Progress is reported by input bytes; a stop ends it between chunks, leaving "
      "no output behind.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {
      "path": {"type": "string", "minLength": 1, "maxLength": 4096},
      "operation": {"type": "string", "enum": ["gzip", "gunzip"]},
      "level": {"type": "integer", "minimum": 1, "maximum": 9, "default": 6}
    },
    "required": ["path", "operation"],
    "additionalProperties": false,
    "if": {"properties": {"operation": {"const": "gunzip"}}},
    "then": {"not": {"required": ["level"]}}
  })");
  t.sample_payload =
      boost::json::parse(R"({"path": "exports/orders.csv", "operation": "gzip", "level": 6})");
  t.defaults.max_attempts = 3;
  t.defaults.timeout_ms = 600'000;
  t.max_timeout_ms = 86'400'000;
  t.handler = [settings = std::move(settings)](handler_context& ctx,
                                               const boost::json::value& payload) {
    return process_file(settings, ctx, payload);
  };
  return t;
}

}  // namespace jobforge::handlers

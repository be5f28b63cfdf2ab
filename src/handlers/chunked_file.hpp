#pragma once
/// Reads an input file chunk by chunk, checking the stop token before each
/// chunk and reporting progress by bytes after it.

#include "handlers/byte_progress.hpp"
#include "model/handler.hpp"
#include "model/job_error.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

namespace jobforge::handlers {

/// Takes one chunk; returns a failure to stop reading with, or nullopt.
using chunk_consumer = std::function<std::optional<job_error>(std::string_view chunk)>;

/// Feeds the file at `path` to `consume` in chunks of `chunk_bytes` until
/// its end. Returns nullopt when all of it was consumed, else the failure:
/// `interrupted` (transient) once a stop is requested, `not_readable` or
/// `not_a_file` (permanent) if it cannot be opened as a regular file,
/// `read_failed` (transient) on an I/O error, or the consumer's own.
std::optional<job_error> read_in_chunks(const std::filesystem::path& path, std::size_t chunk_bytes,
                                        handler_context& ctx, byte_progress& progress,
                                        const chunk_consumer& consume);

/// The transient `interrupted` error for a stop after `progress.done()` bytes.
job_error interrupted_error(const handler_context& ctx, const byte_progress& progress);

}  // namespace jobforge::handlers

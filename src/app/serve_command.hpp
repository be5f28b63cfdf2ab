#pragma once
/// `jobforge serve`: the job processor with its HTTP API, until SIGINT or
/// SIGTERM. The first signal drains (stop accepting, let running jobs finish
/// for up to the shutdown grace, return the rest to pending, flush the
/// store) and exits 0; a second one flushes the store at once and exits with
/// 128 + the signal number.

#include <cstddef>
#include <cstdint>
#include <string>

namespace jobforge::app {

struct serve_options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::size_t executors = 16;
  std::size_t max_body_bytes = 2u << 20;
  std::string data_dir = "data";
  std::string store = "sqlite";  ///< sqlite | memory
  std::string sync = "full";     ///< SQLite synchronous: full | normal | off
  std::int64_t shutdown_grace_ms = 30'000;
  std::int64_t retention_hours = 7 * 24;  ///< finished jobs older than this are pruned; 0: never
};

int serve(const serve_options& options);

}  // namespace jobforge::app

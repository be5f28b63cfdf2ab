#pragma once
/// `jobforge worker`: a worker node that joins a coordinator and runs the
/// attempts it is given, until SIGINT or SIGTERM.

#include "app/config.hpp"

#include <string>
#include <vector>

namespace jobforge::app {

/// The flags of `jobforge worker`, over the configuration's cluster section.
struct worker_flags {
  std::string join;  ///< HOST:PORT[,HOST:PORT...]
  std::string node_id;
  std::int64_t executors = 16;
  std::string types;  ///< comma-separated; empty: every built-in type
};

/// Runs the worker node; the exit code (2: bad options).
int worker(const server_config& config, const worker_flags& flags);

}  // namespace jobforge::app

#pragma once
/// `jobforge serve`: the job processor with its HTTP API, until SIGINT or
/// SIGTERM. The first signal drains (stop accepting, let running jobs finish
/// for up to the shutdown grace, return the rest to pending, flush the
/// store) and exits 0; a second one flushes the store at once and exits with
/// 128 + the signal number.

#include "app/config.hpp"

namespace jobforge::app {

int serve(const server_config& config);

}  // namespace jobforge::app

#pragma once
/// The client's in-process fallback: an embedded jobforge runtime with the
/// caller's own handlers, started at its first use, that execute_sync runs
/// a job in while the server cannot be reached. Its own target
/// (jobforge_client_fallback) because it links the whole runtime; plain
/// clients stay light.
///
///   o.fallback = jobforge::client::make_runtime_fallback(
///       [](jobforge::job_type_registry& types) { types.add(my_type()); });

#include "jobforge/client.hpp"

#include <functional>
#include <memory>

namespace jobforge {
class job_type_registry;
}

namespace jobforge::client {

/// A local_runner over a jobforge::runtime (memory store, `executors`
/// threads) whose job types `register_types` adds.
std::shared_ptr<local_runner> make_runtime_fallback(
    std::function<void(job_type_registry&)> register_types, std::size_t executors = 2);

}  // namespace jobforge::client

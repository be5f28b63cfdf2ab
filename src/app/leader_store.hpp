#pragma once
/// The store of a leader on a shared PostgreSQL database (see
/// docs/durability.md): most of its writes are sent without anyone waiting
/// (a job's running, completed, retrying...), so a batch the database cannot
/// take while it restarts would be lost while the leader goes on as if it
/// were stored: the job would stay `running` in the database for good. This
/// store tries such a batch again until the database takes it; if it still
/// cannot after `patience` (the lease length, by which the lease keeper has
/// stepped down anyway), the leader gives up and steps down, and whoever
/// leads next recovers from what was stored. While a batch waits for the
/// database, writable() says so, and the runtime refuses new submissions
/// and changes at once (HTTP 503) instead of queueing them behind it.

#include "store/store.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace jobforge::app {

/// Wraps `inner`: apply() retries a batch refused as `unavailable` (with a
/// growing pause, at most `max_pause`) until it is taken or `patience` has
/// passed, then calls `give_up` with why and answers the error. Every other
/// call is passed through.
std::shared_ptr<store> outage_riding_store(
    std::shared_ptr<store> inner, std::chrono::milliseconds patience,
    std::function<void(const std::string& why)> give_up,
    std::chrono::milliseconds max_pause = std::chrono::milliseconds{250});

}  // namespace jobforge::app

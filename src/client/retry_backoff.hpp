#pragma once
/// The pause before a client's retry: exponential, capped, made shorter by
/// a random share (jitter) so that many clients do not retry in step. Pure:
/// the random number is a parameter.

#include <chrono>

namespace jobforge::client {

/// min(max, initial * 2^(retry-1)), shortened by up to `jitter` of itself
/// (`random01` in [0, 1)); `retry` counts from 1.
std::chrono::milliseconds retry_delay(int retry, std::chrono::milliseconds initial,
                                      std::chrono::milliseconds max, double jitter,
                                      double random01);

}  // namespace jobforge::client

#pragma once
/// The error recorded for a failed attempt.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jobforge {

/// How an attempt failed; decides whether it may be retried.
enum class error_kind {
  transient,  ///< worth retrying (network down, 5xx, ...)
  permanent,  ///< retrying cannot help (bad input, 4xx, ...)
  timeout,    ///< the attempt ran past its deadline
  crash,      ///< the handler threw something unexpected, or its process died
  node_lost,  ///< the worker node running the attempt was lost (killed, hung, cut off)
};

std::string_view to_string(error_kind k);
std::optional<error_kind> parse_error_kind(std::string_view text);

/// A failed attempt's error: `code` is the handler's (or "timeout"/"crash").
struct job_error {
  job_error() = default;
  job_error(std::string c, std::string m, error_kind k = error_kind::transient,
            std::optional<std::int64_t> retry_after = std::nullopt)
      : code(std::move(c)), message(std::move(m)), kind(k), retry_after_ms(retry_after) {}

  std::string code;
  std::string message;
  error_kind kind = error_kind::transient;
  /// The failing side asked to be tried again no sooner than this (an HTTP
  /// `Retry-After`, say): the next backoff, instead of the policy's.
  std::optional<std::int64_t> retry_after_ms;

  friend bool operator==(const job_error& a, const job_error& b) {
    return a.code == b.code && a.message == b.message && a.kind == b.kind &&
           a.retry_after_ms == b.retry_after_ms;
  }
};

}  // namespace jobforge

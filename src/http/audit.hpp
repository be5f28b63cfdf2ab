#pragma once
/// The audit log: one log line for every change a caller asks for that
/// is not a submission (cancel, retry/replay, discard, priority and
/// dependency changes, pausing and resuming a type), naming who asked (the
/// API key's name, or its tenant and role), what, on which job or type, and
/// how it ended. Submissions are not audited: each job records its tenant.

#include "http/access.hpp"
#include "model/error.hpp"

#include <string>
#include <string_view>

namespace jobforge::http {

/// Logs (at info) "audit: actor=... tenant=... role=... action=... target=... outcome=..."
/// with outcome `done` or the error's code.
void audit(const caller& who, std::string_view action, std::string_view target,
           const error* failed);

/// Audits `outcome` and passes it on.
template <class T>
expected<T> audited(const caller& who, std::string_view action, std::string_view target,
                    expected<T> outcome) {
  audit(who, action, target, outcome ? nullptr : &outcome.error_value());
  return outcome;
}

}  // namespace jobforge::http

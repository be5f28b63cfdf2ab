#pragma once
/// The comparison of a presented API key with a configured one, on its own
/// so that tests can reach it. Internal to src/http.

#include <string_view>

namespace jobforge::http {

/// Whether `presented` equals `key`, in time that depends on the length of
/// `presented` only (which its sender knows): no early exit at the first
/// differing byte or on a length mismatch, so answer times tell an attacker
/// neither how much of a key they guessed nor how long the key is.
bool same_key(std::string_view presented, std::string_view key);

}  // namespace jobforge::http

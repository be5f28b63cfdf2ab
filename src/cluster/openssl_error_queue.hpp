#pragma once
/// Keeps OpenSSL's per-thread error queue empty before every TLS read,
/// write and handshake of the program (a workaround for CAF 0.17.6, whose
/// TLS sessions let one failed handshake close every other connection; see
/// openssl_error_queue.cpp).

namespace jobforge {

/// Links the guard into the program; true when OpenSSL's own functions
/// were found behind it.
bool openssl_error_queue_guarded();

}  // namespace jobforge

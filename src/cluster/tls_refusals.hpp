#pragma once
/// Logs a TLS handshake the coordinator's cluster port refused (a peer
/// without a certificate, with one another CA signed, or not speaking TLS),
/// with the peer's address. CAF 0.17 closes such a connection without a
/// word; the OpenSSL calls it makes are interposed (openssl_error_queue.cpp),
/// and each failed one on the watched port is reported here.

#include <cstdint>

typedef struct ssl_st SSL;

namespace jobforge {

/// Watches the cluster port `port` of this process for refused handshakes
/// (one port per process: the last one given).
void watch_tls_refusals(std::uint16_t port);

/// Called after each interposed handshake, read or write with its result.
void note_tls_result(SSL* ssl, int result);

}  // namespace jobforge

// CAF 0.17.6's TLS sessions (libcaf_openssl, session.cpp) ask SSL_get_error
// about a failed read or write without clearing the thread's OpenSSL error
// queue first, and leave a failed handshake's errors in it. Every session
// runs on the one multiplexer thread, so one bad handshake on the cluster
// port (a peer without a certificate, or with a foreign one) made the next
// read of every good connection look failed, and CAF closed them all:
// a stranger could cut every worker node off by knocking (seen in
// tests/e2e/cluster_tls_e2e_test.cpp). OpenSSL's rule is that the queue be
// empty before each I/O call; these definitions interpose the four calls
// CAF makes, clear the queue, and call the library's own. They also tell
// tls_refusals.cpp of each result, since CAF logs no refused handshake.
#include "cluster/openssl_error_queue.hpp"

#include "cluster/tls_refusals.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto next = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  const int result = next(ssl, buf, num);
  jobforge::note_tls_result(ssl, result);
  return result;
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto next = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  const int result = next(ssl, buf, num);
  jobforge::note_tls_result(ssl, result);
  return result;
}

int SSL_accept(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  const int result = next(ssl);
  jobforge::note_tls_result(ssl, result);
  return result;
}

int SSL_connect(SSL* ssl) {
  static const auto next = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  const int result = next(ssl);
  jobforge::note_tls_result(ssl, result);
  return result;
}

}  // extern "C"

namespace jobforge {

bool openssl_error_queue_guarded() {
  // The interposers are in this object, which the reference to this
  // function links into the program.
  return real<void*>("SSL_read") != nullptr;
}

}  // namespace jobforge

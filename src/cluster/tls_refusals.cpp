#include "cluster/tls_refusals.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <utility>

namespace jobforge {
namespace {

std::atomic<std::uint16_t> watched_port{0};

std::uint16_t port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return 0;
}

std::string address_of(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port_of(a));
  }
  if (a.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(port_of(a));
  }
  return "an unknown address";
}

}  // namespace

void watch_tls_refusals(std::uint16_t port) {
  watched_port.store(port, std::memory_order_relaxed);
}

void note_tls_result(SSL* ssl, int result) {
  const auto port = watched_port.load(std::memory_order_relaxed);
  // Only a failed handshake of the cluster port's server side: the HTTPS
  // API and libcurl use OpenSSL in this process as well.
  if (port == 0 || result > 0 || !SSL_is_server(ssl) || SSL_is_init_finished(ssl)) return;
  // The caller of the interposed call may still look at errno.
  const int saved_errno = errno;
  struct restore {
    int value;
    ~restore() { errno = value; }
  } restore_errno{saved_errno};
  const int kind = SSL_get_error(ssl, result);
  if (kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE) return;
  const int fd = SSL_get_fd(ssl);
  sockaddr_storage local{}, peer{};
  socklen_t local_size = sizeof local, peer_size = sizeof peer;
  if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
      port_of(local) != port)
    return;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) peer.ss_family = 0;
  // A connection that failed is told of once (not for a read, then a
  // write); an SSL object's address alone may be reused by the next one.
  thread_local std::pair<const SSL*, std::string> last_reported;
  std::pair<const SSL*, std::string> this_one{ssl, address_of(peer)};
  if (this_one == last_reported) return;
  std::string why = "the peer closed the connection during the handshake";
  // Peeked, not taken: CAF asks SSL_get_error about this call after us.
  if (kind == SSL_ERROR_SSL) {
    char text[256] = {};
    ERR_error_string_n(ERR_peek_error(), text, sizeof text);
    why = text;
  }
  spdlog::warn("cluster: refused a TLS handshake from {}: {}", this_one.second, why);
  last_reported = std::move(this_one);
}

}  // namespace jobforge

#include "http/server_socket.hpp"

#include <boost/json/object.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace jobforge::http {

namespace {

/// `path` can be opened for reading (named in the error otherwise).
expected<void> check_readable(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return error{error_code::invalid_argument,
                 "cannot read " + what + " " + path + ": " + std::strerror(errno),
                 boost::json::object{{what, path}}};
  return {};
}

std::unique_ptr<httplib::Server> with_socket_options(std::unique_ptr<httplib::Server> server) {
  server->set_socket_options(reuse_address_only);
  return server;
}

}  // namespace

void reuse_address_only(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

/// A plain server, or an HTTPS one when the options name a certificate.
expected<std::unique_ptr<httplib::Server>> make_server(const std::string& tls_cert,
                                                       const std::string& tls_key) {
  if (tls_cert.empty() && tls_key.empty())
    return with_socket_options(std::make_unique<httplib::Server>());
  if (tls_cert.empty() || tls_key.empty())
    return error{error_code::invalid_argument, "HTTPS needs both tls_cert and tls_key"};
  if (auto ok = check_readable("tls_cert", tls_cert); !ok) return std::move(ok).error_value();
  if (auto ok = check_readable("tls_key", tls_key); !ok) return std::move(ok).error_value();
  auto server = std::make_unique<httplib::SSLServer>(tls_cert.c_str(), tls_key.c_str());
  if (!server->is_valid())
    return error{error_code::invalid_argument,
                 "cannot use the TLS certificate " + tls_cert + " with the key " + tls_key +
                     ": both must be PEM, and the key must be the certificate's",
                 boost::json::object{{"tls_cert", tls_cert}, {"tls_key", tls_key}}};
  return with_socket_options(std::unique_ptr<httplib::Server>(std::move(server)));
}

}  // namespace jobforge::http

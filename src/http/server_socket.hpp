#pragma once
/// The httplib server that both the gateway and a standby's 503-answering
/// server listen with: plain HTTP, or HTTPS from a PEM certificate and key.
/// Internal to src/http.

#include "model/error.hpp"

#include <httplib.h>

#include <memory>
#include <string>

namespace jobforge::http {

/// The listening socket's options (set by make_server; a server that sets
/// its own must call this from them): SO_REUSEADDR only. cpp-httplib's
/// default sets SO_REUSEPORT instead, with which a second server (a
/// standby, or a second `jobforge serve` by mistake) binds a port another
/// one listens on, and the kernel shares its connections out between the
/// two. SO_REUSEADDR still lets a coordinator that took over bind the port
/// its standby server has just closed (connections left in TIME_WAIT).
void reuse_address_only(socket_t sock);

/// A plain server when both are empty, an HTTPS one otherwise
/// (`invalid_argument` naming the file that cannot be read or used).
expected<std::unique_ptr<httplib::Server>> make_server(const std::string& tls_cert,
                                                       const std::string& tls_key);

}  // namespace jobforge::http

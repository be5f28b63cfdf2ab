#pragma once
/// The httplib server that both the gateway and a standby's 503-answering
/// server listen with: plain HTTP, or HTTPS from a PEM certificate and key.
/// Internal to src/http.

#include "model/error.hpp"

#include <httplib.h>

#include <memory>
#include <string>

namespace jobforge::http {

/// A plain server when both are empty, an HTTPS one otherwise
/// (`invalid_argument` naming the file that cannot be read or used).
expected<std::unique_ptr<httplib::Server>> make_server(const std::string& tls_cert,
                                                       const std::string& tls_key);

}  // namespace jobforge::http

#pragma once
/// The HTTP gateway (SPEC §8): a thin layer that parses and validates a
/// request, makes one call to the runtime's C++ API and renders JSON. Every
/// error, including unknown routes and oversized bodies, is answered with the
/// envelope {"error": {"code", "message", "details"}}. With API keys every
/// route but /health and /ready needs one (see http/access.hpp); with a
/// certificate and key it serves HTTPS.
///
///   jobforge::http_server server(rt, {"127.0.0.1", 0});
///   auto port = server.start();  // the bound port, or an error
///   ...
///   server.stop();

#include "http/access.hpp"
#include "model/error.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace jobforge {

class runtime;

/// Where and how the gateway listens.
struct http_server_options {
  std::string host = "127.0.0.1";
  int port = 0;                           ///< 0: an ephemeral port (see start())
  std::size_t max_body_bytes = 2u << 20;  ///< larger request bodies get 413
  /// Threads kept ready for connections (a ?wait or an event stream holds one).
  std::size_t threads = 64;
  /// Connections served at once, slow and idle ones included: the pool grows
  /// from `threads` up to this when a connection finds every thread taken.
  std::size_t max_connections = 1024;
  std::chrono::milliseconds sse_keep_alive{15'000};  ///< comment line on an idle event stream
  /// None: every caller is admin of tenant "default" (listen on loopback then).
  std::vector<http::api_key> api_keys;
  std::string tls_cert;  ///< PEM certificate (chain); with tls_key: HTTPS
  std::string tls_key;   ///< PEM private key of tls_cert
  /// The dashboard's files: empty, those compiled in; a folder, read at
  /// every request (development).
  std::string web_root;
  /// Chart.js for the dashboard, as Debian's libjs-chart.js installs it.
  std::string chart_js = "/usr/share/javascript/chart.js/chart.min.js";
};

/// Serves the HTTP API over one runtime, on a thread of its own.
class http_server {
 public:
  /// Does not listen yet; `rt` must outlive the server.
  explicit http_server(runtime& rt, http_server_options options = {});
  ~http_server();  ///< stops (see stop())
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts serving; answers the bound port (`unavailable` when
  /// the address cannot be bound, `invalid_argument` naming the file when
  /// the TLS certificate or key cannot be read or used or the folder when
  /// web_root holds no dashboard, `conflict` when already started).
  expected<int> start();

  /// Stops accepting, lets requests in flight finish (a ?wait is cut short
  /// within about a second), and joins the server thread. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge

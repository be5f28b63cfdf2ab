#pragma once
/// What a standby coordinator answers on the gateway's address while another
/// one leads (see docs/durability.md): /health 200 (the process is alive),
/// /ready 503, /metrics whether it knows a leader (`jobforge_standby`,
/// `jobforge_standby_leader_known`), and every other request 503 with the
/// error envelope naming the leader, an `X-Jobforge-Leader` header with its
/// URL and a `Location` with the same path there (the CLI follows it;
/// Retry-After says when to ask again). It serves until this coordinator has taken over and its
/// gateway is about to listen on the same address.

#include "model/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace jobforge {

struct standby_server_options {
  std::string host = "127.0.0.1";
  int port = 0;          ///< 0: an ephemeral port (see start())
  std::string tls_cert;  ///< both set: HTTPS, like the gateway it stands in for
  std::string tls_key;
};

/// The leader as a standby last read it from the lease.
struct leader_hint {
  std::string http_address;  ///< its URL ("" when it advertised none)
  std::string holder;
  std::int64_t epoch = 0;
  std::string cluster_address;  ///< where worker nodes join it ("" when it has no cluster port)
};

class standby_server {
 public:
  explicit standby_server(standby_server_options options);
  ~standby_server();  ///< stops
  standby_server(const standby_server&) = delete;
  standby_server& operator=(const standby_server&) = delete;

  /// Binds and serves on a thread of its own: the bound port, or
  /// `unavailable` / `invalid_argument` as http_server::start().
  expected<int> start();

  /// Who leads now; nullopt while nobody holds the lease.
  void set_leader(std::optional<leader_hint> leader);
  /// This coordinator took the lease and recovers its jobs: callers are
  /// told to retry here in a moment.
  void set_taking_over();

  void stop();  ///< idempotent

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge

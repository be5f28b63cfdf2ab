#pragma once
/// How a coordinator and its worker nodes reach each other: addresses, the
/// shared token, mutual TLS, and CAF's heartbeats, which are how a lost
/// node (or a lost coordinator) is noticed.

#include "model/error.hpp"
#include "model/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace caf {
class actor_system_config;
}

namespace jobforge {

/// Mutual TLS through caf_openssl (CAF 0.17 has no one-sided TLS): each
/// end has its own certificate and key, and the CA that signed the other's.
struct cluster_tls {
  std::string cert;  ///< PEM
  std::string key;   ///< PEM
  std::string ca;    ///< PEM of the CA the peer's certificate must chain to
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

/// CAF's connection heartbeats, on both ends: a peer silent for `timeout`
/// (hung, or cut off) is taken for lost.
struct cluster_heartbeat {
  milliseconds interval{200};
  milliseconds timeout{1'000};
};

/// The coordinator's side: where it publishes its cluster gateway.
struct cluster_listen {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port
  std::string token;       ///< every join must present it (empty: none asked)
  cluster_tls tls;
  bool insecure = false;  ///< allows a non-loopback address without TLS and token
  cluster_heartbeat heartbeat;
};

/// A host and port to join.
struct cluster_address {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses "HOST:PORT[,HOST:PORT...]" ("[::1]:7070" for IPv6).
expected<std::vector<cluster_address>> parse_join_list(const std::string& text);

/// Whether `host` is a loopback address.
bool is_loopback_host(const std::string& host);

/// Refuses what would expose the cluster port: a non-loopback address
/// without both TLS and a token, unless `insecure`; half a TLS setting.
expected<void> check_cluster_listen(const cluster_listen& listen);

/// Checks that each TLS file is set together with the others and readable.
expected<void> check_cluster_tls(const cluster_tls& tls);

/// Loads CAF's middleman (and the OpenSSL manager when `tls` is set) into
/// `cfg`, with `heartbeat`.
void configure_cluster_transport(caf::actor_system_config& cfg, const cluster_tls& tls,
                                 const cluster_heartbeat& heartbeat);

/// Constant-time comparison of two tokens.
bool tokens_match(const std::string& expected_token, const std::string& presented);

}  // namespace jobforge

#include "cluster/cluster_settings.hpp"

#include "cluster/openssl_error_queue.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <openssl/crypto.h>

#include <charconv>
#include <fstream>

namespace jobforge {
namespace {

expected<cluster_address> parse_address(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return error{error_code::invalid_argument,
                 "'" + std::string(text) + "' is not HOST:PORT: " + why};
  };
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("an IPv6 address is written [ADDRESS]:PORT");
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("the port is missing");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad("write an IPv6 address as [ADDRESS]:PORT");
  }
  if (host.empty()) return bad("the host is missing");
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return bad("the port must be a number within 1..65535");
  return cluster_address{host, static_cast<std::uint16_t>(port)};
}

bool readable(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

}  // namespace

expected<std::vector<cluster_address>> parse_join_list(const std::string& text) {
  std::vector<cluster_address> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto piece = std::string_view(text).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    auto address = parse_address(piece);
    if (!address) return std::move(address).error_value();
    out.push_back(std::move(address).value());
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) return error{error_code::invalid_argument, "no coordinator address to join"};
  return out;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

expected<void> check_cluster_tls(const cluster_tls& tls) {
  if (!tls.enabled()) return {};
  if (tls.cert.empty() || tls.key.empty() || tls.ca.empty())
    return error{error_code::invalid_argument,
                 "cluster TLS needs all of tls_cert, tls_key and tls_ca (CAF 0.17 speaks mutual "
                 "TLS only)"};
  for (const auto* path : {&tls.cert, &tls.key, &tls.ca})
    if (!readable(*path))
      return error{error_code::invalid_argument, "cannot read cluster TLS file " + *path};
  return {};
}

expected<void> check_cluster_listen(const cluster_listen& listen) {
  if (auto ok = check_cluster_tls(listen.tls); !ok) return ok;
  if (is_loopback_host(listen.host) || listen.insecure) return {};
  if (!listen.tls.enabled() || listen.token.empty())
    return error{error_code::invalid_argument,
                 "the cluster port on " + listen.host +
                     " (not loopback) needs cluster.tls_cert, tls_key, tls_ca and a "
                     "cluster.token; set cluster.insecure to true to expose it without them"};
  return {};
}

void configure_cluster_transport(caf::actor_system_config& cfg, const cluster_tls& tls,
                                 const cluster_heartbeat& heartbeat) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat.interval});
  cfg.set("middleman.connection-timeout", caf::timespan{heartbeat.timeout});
  if (!tls.enabled()) return;
  static_cast<void>(openssl_error_queue_guarded());
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.cert;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca;
}

bool tokens_match(const std::string& expected_token, const std::string& presented) {
  if (expected_token.size() != presented.size()) {
    // Still one comparison of the expected length, so the time says nothing.
    static_cast<void>(
        CRYPTO_memcmp(expected_token.data(), expected_token.data(), expected_token.size()));
    return false;
  }
  return CRYPTO_memcmp(expected_token.data(), presented.data(), presented.size()) == 0;
}

}  // namespace jobforge

// HTTPS in the real binary: the test makes a self-signed certificate for
// 127.0.0.1 (OpenSSL's C API, so no tool is needed), serves with it and
// talks to the server with a client that verifies it. Plain HTTP to that
// port fails, and a certificate that cannot be read stops the start.

#include "self_signed_certificate.hpp"
#include "served_jobforge.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <tuple>

namespace json = boost::json;
using e2e::child_process;
using namespace std::chrono_literals;

namespace {

using e2e::certificate;
using e2e::make_certificate;

/// A client for `port` that trusts only `ca`.
std::unique_ptr<httplib::SSLClient> https_client(int port, const std::string& ca) {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  c->set_ca_cert_path(ca.c_str());
  c->enable_server_certificate_verification(true);
  c->set_connection_timeout(2s);
  c->set_read_timeout(30s);
  return c;
}

/// `jobforge serve` over HTTPS with `cert`, healthy (retried on another
/// port if the free one was taken meanwhile).
struct tls_server {
  e2e::temp_dir data;
  int port = 0;
  std::unique_ptr<child_process> process;

  explicit tls_server(const certificate& cert) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port = e2e::free_loopback_port();
      process = std::make_unique<child_process>(
          std::vector<std::string>{JOBFORGE_BINARY, "serve", "--host", "127.0.0.1", "--port",
                                   std::to_string(port), "--data-dir", data.file("data"), "--store",
                                   "memory", "--executors", "2"},
          std::vector<std::string>{"JOBFORGE_TLS_CERT=" + cert.cert,
                                   "JOBFORGE_TLS_KEY=" + cert.key});
      REQUIRE(process->spawned());
      auto probe = https_client(port, cert.cert);
      probe->set_read_timeout(1s);
      const bool healthy = e2e::eventually(
          [&] {
            if (!process->running()) return true;
            auto r = probe->Get("/health");
            return r && r->status == 200;
          },
          10s);
      if (healthy && process->running()) return;
    }
    INFO(process->log());
    FAIL("the HTTPS server did not become healthy");
  }
};

}  // namespace

TEST_CASE("HTTPS: a verified client submits and reads a job: plain HTTP fails", "[tls]") {
  e2e::temp_dir dir;
  const auto cert = make_certificate(dir, "server");
  tls_server server(cert);
  auto client = https_client(server.port, cert.cert);

  auto submitted = client->Post("/api/jobs?wait=10", R"({"type":"echo","payload":{"hi":1}})",
                                "application/json");
  INFO("transport: " << httplib::to_string(submitted.error()));
  REQUIRE(submitted);
  REQUIRE(submitted->status == 201);
  const auto job = json::parse(submitted->body).as_object();
  CHECK(job.at("status") == "completed");
  auto got = client->Get(("/api/jobs/" + std::string(job.at("id").as_string())).c_str());
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(json::parse(got->body).at("result").at("hi") == 1);

  // Plain HTTP on the same port gets no answer.
  httplib::Client plain("127.0.0.1", server.port);
  plain.set_connection_timeout(2s);
  plain.set_read_timeout(2s);
  auto refused = plain.Get("/health");
  CHECK_FALSE((refused && refused->status == 200));

  // A client that trusts another certificate refuses the server.
  const auto stranger = make_certificate(dir, "stranger");
  auto doubtful = https_client(server.port, stranger.cert);
  CHECK_FALSE(doubtful->Get("/health"));

  // The serving line is written once the server runs, a moment after it answers.
  std::string log;
  e2e::eventually(
      [&] {
        log = server.process->log();
        return log.find("HTTPS, certificate") != std::string::npos;
      },
      10s);
  INFO(log);
  CHECK(log.find("https://127.0.0.1:" + std::to_string(server.port)) != std::string::npos);
  CHECK(log.find("HTTPS, certificate " + cert.cert) != std::string::npos);
}

TEST_CASE("HTTPS: the command-line client verifies the server with --ca-cert", "[tls][cli]") {
  e2e::temp_dir dir;
  const auto cert = make_certificate(dir, "server");
  tls_server server(cert);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port);
  const auto cli = [&](std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), JOBFORGE_BINARY);
    args.insert(args.end(), {"--url", url});
    child_process p(args, env);
    const int code = e2e::run_to_end(p, 30s);
    return std::make_pair(code, p.log());
  };

  const auto [submitted, output] =
      cli({"submit", "echo", "--payload", R"({"over": "tls"})", "--wait", "--ca-cert", cert.cert});
  INFO(output);
  CHECK(submitted == 0);
  CHECK(output.find(R"(completed {"over":"tls"})") != std::string::npos);

  // The CA from the environment does the same.
  // The last line names the job; lines before it may follow its progress
  // ("status running": a pipe gets them when the job is slow to end).
  const auto last = output.rfind(R"( completed {"over":"tls"})");
  REQUIRE(last != std::string::npos);
  const auto line_start = output.rfind('\n', last);
  const auto id = output.substr(line_start == std::string::npos ? 0 : line_start + 1,
                                last - (line_start == std::string::npos ? 0 : line_start + 1));
  const auto [got, job] = cli({"get", id}, {"JOBFORGE_CA_CERT=" + cert.cert});
  INFO(job);
  CHECK(got == 0);
  CHECK(job.find(R"("over":"tls")") != std::string::npos);

  // Trusting another CA, or none but the system's, the server is refused:
  // the "could not reach the server" code, never an answer.
  const auto stranger = make_certificate(dir, "stranger");
  CHECK(cli({"get", id, "--ca-cert", stranger.cert}).first == 3);
  CHECK(cli({"get", id}).first == 3);
  // A CA file that is not there is bad input.
  CHECK(cli({"get", id, "--ca-cert", dir.file("missing.pem")}).first == 2);
}

TEST_CASE("HTTPS: a certificate that cannot be read or used stops the start", "[tls]") {
  e2e::temp_dir dir;
  const auto cert = make_certificate(dir, "server");
  const auto missing = dir.file("no-such.crt");
  const auto garbage = dir.file("garbage.crt");
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                            "-----END CERTIFICATE-----\n";
  const auto serve = [&](const std::string& crt, const std::string& key) {
    return std::make_unique<child_process>(
        std::vector<std::string>{JOBFORGE_BINARY, "serve", "--port", "0", "--data-dir",
                                 dir.file("data"), "--store", "memory"},
        std::vector<std::string>{"JOBFORGE_TLS_CERT=" + crt, "JOBFORGE_TLS_KEY=" + key});
  };

  for (const auto& [crt, key, named] :
       {std::tuple{missing, cert.key, missing}, std::tuple{cert.cert, missing, missing},
        std::tuple{garbage, cert.key, garbage}, std::tuple{cert.key, cert.key, cert.key}}) {
    auto p = serve(crt, key);
    CHECK(run_to_end(*p) == 1);
    INFO(p->log());
    CHECK(p->log().find(named) != std::string::npos);
  }
}

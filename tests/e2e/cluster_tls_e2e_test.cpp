// The cluster port with mutual TLS: certificates made by `openssl` here, a
// coordinator and a worker signed by one CA join and run jobs; a worker
// without a certificate, with another CA's, or with the right certificate
// but the wrong token is refused; and none of those knocking on the port
// cuts off the worker that joined.
#include "cluster_fixture.hpp"

using namespace e2e;
using namespace e2e::cluster;

namespace {

/// Runs `openssl` with `args` and fails the test unless it succeeds.
void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv);
  INFO("openssl " << args.front() << ": " << p.log());
  REQUIRE(run_to_end(p, 30s) == 0);
}

/// A CA, and certificates it signs, in a temp folder.
struct pki {
  temp_dir dir;
  std::string path(const std::string& name) const { return dir.file(name); }

  void make_ca(const std::string& ca) {
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + ca,
             "-keyout", path(ca + ".key"), "-out", path(ca + ".pem")});
  }
  void make_cert(const std::string& name, const std::string& ca) {
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout",
             path(name + ".key"), "-out", path(name + ".csr")});
    openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", path(ca + ".pem"), "-CAkey",
             path(ca + ".key"), "-CAcreateserial", "-days", "2", "-out", path(name + ".pem")});
  }
  /// The environment of a process that presents `name`'s certificate and
  /// trusts `ca`.
  std::vector<std::string> env(const std::string& name, const std::string& ca,
                               const std::string& token) const {
    return {"JOBFORGE_CLUSTER_TLS_CERT=" + path(name + ".pem"),
            "JOBFORGE_CLUSTER_TLS_KEY=" + path(name + ".key"),
            "JOBFORGE_CLUSTER_TLS_CA=" + path(ca + ".pem"), "JOBFORGE_CLUSTER_TOKEN=" + token};
  }
};

const std::string token = "cluster-token-0123456789abcdef";

}  // namespace

TEST_CASE("mutual TLS: a worker signed by the cluster's CA joins: strangers are refused",
          "[e2e][cluster][tls]") {
  pki p;
  p.make_ca("ca");
  p.make_ca("other-ca");
  p.make_cert("coordinator", "ca");
  p.make_cert("worker", "ca");
  p.make_cert("impostor", "other-ca");

  coordinator c({}, p.env("coordinator", "ca", token));
  CHECK(c.jf.process().log().find("mutual TLS") != std::string::npos);
  auto good = start_worker(c, "good", "", 2, p.env("worker", "ca", token));
  REQUIRE(c.wait_up("good"));
  const auto session = c.node("good")->at("session").as_string();

  // Three strangers knock at once, and keep knocking (with backoff).
  auto plain = start_worker(c, "plain", "", 1, {"JOBFORGE_CLUSTER_TOKEN=" + token});
  auto impostor = start_worker(c, "impostor", "", 1, p.env("impostor", "other-ca", token));
  auto wrong_token = start_worker(c, "wrong-token", "", 1, p.env("worker", "ca", "not-the-token"));
  REQUIRE(eventually(
      [&] {
        return plain->log().find("cannot reach") != std::string::npos &&
               impostor->log().find("cannot reach") != std::string::npos &&
               wrong_token->log().find("refused") != std::string::npos;
      },
      10s));
  // Forged BASP headers (a handshake claiming a huge payload), which a
  // plaintext port would read: TLS refuses them before that.
  for (int round = 0; round < 4; ++round) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(c.cluster_port));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    std::string forged(64, '\xff');
    forged[0] = static_cast<char>(round % 2);  // server or client handshake
    CHECK(::send(fd, forged.data(), forged.size(), MSG_NOSIGNAL) > 0);
    ::close(fd);
  }
  // Long enough for several knocks each (100, 200, 400, 800 ms apart).
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(c.node("plain"));
  CHECK_FALSE(c.node("impostor"));
  CHECK_FALSE(c.node("wrong-token"));

  // The good worker never lost its connection, and runs jobs.
  const auto still = c.node("good");
  REQUIRE(still);
  CHECK(still->at("session").as_string() == session);
  const auto id = submit(c.jf, sleep_job(10));
  REQUIRE(wait_terminal(c.jf, {id}, 10s));
  CHECK(fetch(c.jf, id).at("status").as_string() == "completed");
  CHECK(attempt_nodes(fetch(c.jf, id)) == std::vector<std::string>{"good"});
  CHECK(good->log().find("joining again") == std::string::npos);

  // CAF says nothing of a refused handshake; the coordinator does, with
  // the peer's address and OpenSSL's reason.
  const auto log = c.jf.process().log();
  INFO("coordinator log:\n" << log);
  CHECK(log.find("cluster: refused a TLS handshake from 127.0.0.1:") != std::string::npos);
  // The worker without TLS (and the forged headers) speak no TLS at all;
  // the impostor, trusting another CA, refuses the coordinator's certificate.
  CHECK(log.find("wrong version number") != std::string::npos);
  CHECK(log.find("alert unknown ca") != std::string::npos);
}

TEST_CASE("a cluster port beyond loopback needs TLS and a token, unless made insecure",
          "[e2e][cluster][tls]") {
  temp_dir data;
  const std::vector<std::string> args{JOBFORGE_BINARY,  "serve",
                                      "--port",         std::to_string(free_loopback_port()),
                                      "--data-dir",     data.path().string(),
                                      "--cluster-port", std::to_string(free_loopback_port())};
  child_process refused(args, {"JOBFORGE_CLUSTER_HOST=0.0.0.0"});
  CHECK(run_to_end(refused) == 1);
  CHECK(refused.log().find("cluster.insecure") != std::string::npos);
}

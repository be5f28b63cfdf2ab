// What a standby coordinator answers on its HTTP port, in process: a real
// standby_server on 127.0.0.1 (an ephemeral port) and an httplib client.
#include "http/standby_server.hpp"

#include <httplib.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// A standby server started on an ephemeral loopback port.
struct running_standby {
  running_standby() : server(standby_server_options{}) {
    auto started = server.start();
    INFO((started ? std::string("ok") : to_string(started.error_value())));
    REQUIRE(started.has_value());
    port = *started;
    REQUIRE(port > 0);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5s);
    c.set_read_timeout(5s);
    c.set_write_timeout(5s);
    return c;
  }
  standby_server server;
  int port = 0;
};

/// The answer's body as JSON, failing the test unless it is.
boost::json::object json_of(const httplib::Result& r) {
  REQUIRE(r);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  INFO(r->body);
  REQUIRE_FALSE(ec);
  REQUIRE(v.is_object());
  return v.as_object();
}

/// The error of an envelope answer, checked to be a 503 `unavailable` from a standby.
boost::json::object standby_error(const httplib::Result& r) {
  INFO((r ? std::string("answered") : httplib::to_string(r.error())));
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->get_header_value("Retry-After") == "1");
  auto body = json_of(r);
  REQUIRE(body.contains("error"));
  auto e = body.at("error").as_object();
  CHECK(e.at("code") == "unavailable");
  REQUIRE(e.at("message").is_string());
  REQUIRE(e.at("details").is_object());
  CHECK(e.at("details").at("role") == "standby");
  return e;
}

std::string message_of(const boost::json::object& e) {
  return std::string(e.at("message").as_string());
}

/// The raw answer to `GET target` (httplib's client percent-decodes every
/// header value it reads, so a Location is checked on the wire); each read
/// waits at most 5 s.
std::string raw_get(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
        answer.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

const char* const job_id_path = "/api/jobs/0190d4c2-7a3b-7c4d-8e5f-0123456789ab";

}  // namespace

TEST_CASE("standby: /health answers 200 as a standby, whoever leads", "[http][standby]") {
  running_standby s;
  auto cli = s.client();
  const auto check_health = [&] {
    auto r = cli.Get("/health");
    INFO((r ? std::string("answered") : httplib::to_string(r.error())));
    REQUIRE(r);
    CHECK(r->status == 200);
    auto body = json_of(r);
    CHECK(body.at("status") == "ok");
    CHECK(body.at("role") == "standby");
    CHECK_FALSE(r->has_header("Location"));
  };
  check_health();
  s.server.set_leader(leader_hint{"http://10.0.0.2:8080", "beta", 3, ""});
  check_health();
  s.server.set_taking_over();
  check_health();
}

TEST_CASE("standby: /metrics says whether it knows a leader, for the alert", "[http][standby]") {
  running_standby s;
  auto c = s.client();
  const auto leader_known = [&]() -> std::string {
    auto r = c.Get("/metrics");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(r->body.find("\njobforge_standby 1\n") != std::string::npos);
    CHECK(r->body.find("# TYPE jobforge_standby_leader_known gauge\n") != std::string::npos);
    const std::string series = "\njobforge_standby_leader_known ";
    const auto at = r->body.find(series);
    REQUIRE(at != std::string::npos);
    return r->body.substr(at + series.size(), r->body.find('\n', at + 1) - at - series.size());
  };
  CHECK(leader_known() == "0");  // before the lease was first read
  s.server.set_leader(leader_hint{"http://10.0.0.2:8080", "beta", 3, ""});
  CHECK(leader_known() == "1");
  s.server.set_leader(std::nullopt);  // the lease expired, or the database went away
  CHECK(leader_known() == "0");
  s.server.set_taking_over();
  CHECK(leader_known() == "1");
}

TEST_CASE("standby: /ready answers 503 not ready with the envelope", "[http][standby]") {
  running_standby s;
  auto cli = s.client();
  auto r = cli.Get("/ready");
  auto e = standby_error(r);
  CHECK(json_of(r).at("status") == "not ready");
  CHECK_THAT(message_of(e), Catch::Contains("no coordinator leads"));
}

TEST_CASE("standby: every API call answers 503 with the error envelope", "[http][standby]") {
  running_standby s;
  auto cli = s.client();
  std::vector<std::pair<std::string, httplib::Result>> answers;
  answers.emplace_back("GET /api/jobs", cli.Get("/api/jobs"));
  answers.emplace_back("GET job", cli.Get(job_id_path));
  answers.emplace_back("POST /api/jobs", cli.Post("/api/jobs", R"({"type": "noop", "payload": {}})",
                                                  "application/json"));
  answers.emplace_back("DELETE job", cli.Delete(job_id_path));
  for (auto& [what, r] : answers) {
    INFO(what);
    auto e = standby_error(r);
    CHECK_THAT(message_of(e), Catch::Contains("no coordinator leads"));
    CHECK_FALSE(r->has_header("Location"));
    CHECK_FALSE(r->has_header("X-Jobforge-Leader"));
    CHECK_FALSE(e.at("details").as_object().contains("leader"));
    CHECK_FALSE(json_of(r).contains("status"));  // that is /ready's alone
  }
}

TEST_CASE("standby: with a leader known, callers are pointed to the same path there",
          "[http][standby]") {
  running_standby s;
  s.server.set_leader(leader_hint{"https://10.0.0.2:8443", "beta", 7, "10.0.0.2:7070"});
  auto cli = s.client();
  const std::string target = "/api/jobs?status=running&limit=5";
  std::vector<std::pair<std::string, httplib::Result>> answers;
  answers.emplace_back("GET", cli.Get(target.c_str()));
  answers.emplace_back("POST", cli.Post("/api/jobs?wait=1", "{}", "application/json"));
  answers.emplace_back("DELETE", cli.Delete(job_id_path));
  const std::vector<std::string> locations = {"https://10.0.0.2:8443" + target,
                                              "https://10.0.0.2:8443/api/jobs?wait=1",
                                              std::string("https://10.0.0.2:8443") + job_id_path};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& [what, r] = answers[i];
    INFO(what);
    auto e = standby_error(r);
    CHECK(r->get_header_value("X-Jobforge-Leader") == "https://10.0.0.2:8443");
    CHECK(r->get_header_value("Location") == locations[i]);
    CHECK_THAT(message_of(e), Catch::Contains("standby") &&
                                  Catch::Contains("the leader is https://10.0.0.2:8443"));
    const auto& details = e.at("details").as_object();
    CHECK(details.at("leader") == "https://10.0.0.2:8443");
    CHECK(details.at("leader_holder") == "beta");
    CHECK(details.at("epoch") == 7);
    CHECK(details.at("leader_cluster") == "10.0.0.2:7070");
  }

  SECTION("the path and query go to the leader as they were sent, escapes and all") {
    const std::string escaped = "/api/jobs/a%2Fb?tag=a%20b&tag=c%26d";
    const auto answer = raw_get(s.port, escaped);
    INFO(answer);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 503"));
    CHECK_THAT(answer, Catch::Contains("\r\nLocation: https://10.0.0.2:8443" + escaped + "\r\n"));
    CHECK_THAT(answer, Catch::Contains("\r\nX-Jobforge-Leader: https://10.0.0.2:8443\r\n"));
  }
  SECTION("a leader that advertised no address is named by its holder, with no Location") {
    s.server.set_leader(leader_hint{"", "beta", 8, ""});
    auto r = cli.Get("/api/jobs");
    auto e = standby_error(r);
    CHECK_FALSE(r->has_header("Location"));
    CHECK_FALSE(r->has_header("X-Jobforge-Leader"));
    CHECK_THAT(message_of(e), Catch::Contains("the leader is beta"));
    CHECK(e.at("details").at("leader_holder") == "beta");
    CHECK(e.at("details").at("epoch") == 8);
    CHECK_FALSE(e.at("details").as_object().contains("leader_cluster"));
  }
  SECTION("once no coordinator leads, nobody is pointed anywhere") {
    s.server.set_leader(std::nullopt);
    auto r = cli.Get("/api/jobs");
    auto e = standby_error(r);
    CHECK_FALSE(r->has_header("Location"));
    CHECK_FALSE(r->has_header("X-Jobforge-Leader"));
    CHECK_THAT(message_of(e), Catch::Contains("no coordinator leads"));
    CHECK_FALSE(e.at("details").as_object().contains("leader"));
  }
  SECTION("while this one takes over, callers are told to retry here") {
    s.server.set_taking_over();
    auto r = cli.Post("/api/jobs", "{}", "application/json");
    auto e = standby_error(r);
    CHECK_FALSE(r->has_header("Location"));
    CHECK_FALSE(r->has_header("X-Jobforge-Leader"));
    CHECK_THAT(message_of(e), Catch::Contains("taking over") && Catch::Contains("retry"));
    CHECK_THAT(message_of(e), !Catch::Contains("10.0.0.2"));
    auto ready = cli.Get("/ready");
    standby_error(ready);
    CHECK(json_of(ready).at("status") == "not ready");
  }
}

TEST_CASE("standby: stop is idempotent and frees the port for the gateway", "[http][standby]") {
  auto first = std::make_unique<running_standby>();
  const int port = first->port;
  {
    auto cli = first->client();
    auto r = cli.Get("/health");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto again = first->server.start();
  REQUIRE_FALSE(again.has_value());  // one start per server
  CHECK(again.error_value().code == error_code::conflict);

  first->server.stop();
  first->server.stop();
  {
    auto cli = first->client();
    cli.set_connection_timeout(2s);
    auto r = cli.Get("/health");
    CHECK_FALSE(r);  // nobody listens any more
  }

  // What the coordinator's gateway does after taking over: listen on the same port.
  standby_server second(standby_server_options{"127.0.0.1", port, "", ""});
  auto bound = second.start();
  INFO((bound ? std::string("ok") : to_string(bound.error_value())));
  REQUIRE(bound.has_value());
  CHECK(*bound == port);
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(5s);
  cli.set_read_timeout(5s);
  auto r = cli.Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  second.stop();
  first.reset();  // the destructor after stop() is fine too
}

// cpp-httplib's default socket options would set SO_REUSEPORT, with which a
// second server binds a port one is already listening on and the kernel
// shares its connections out between the two (http::make_server sets
// SO_REUSEADDR only).
TEST_CASE("standby: a port already taken is refused as unavailable", "[http][standby]") {
  running_standby s;
  standby_server other(standby_server_options{"127.0.0.1", s.port, "", ""});
  auto bound = other.start();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error_value().code == error_code::unavailable);
  CHECK_THAT(bound.error_value().message, Catch::Contains(std::to_string(s.port)));
  other.stop();  // never started: nothing to do
  auto cli = s.client();
  auto r = cli.Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);
}

// `http.request` with OAuth2 client credentials: a real token endpoint and
// API on a cpp-httplib server on loopback.

#include "handlers/http_request.hpp"
#include "handlers/http_test_server.hpp"
#include "testing/test_context.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace json = boost::json;
using jobforge::error_kind;
using jobforge::handler_result;
using jobforge::handlers::http_request_settings;
using jobforge::handlers::http_request_type;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using jobforge::testing_support::http_test_server;
using namespace std::chrono_literals;

namespace {

handler_result run(const json::object& payload, int attempt = 1) {
  static const auto type = http_request_type(http_request_settings{});
  test_context ctx(attempt);
  return run_handler_once(type, payload, ctx);
}

// A token endpoint and an API behind it on one server. The API takes every
// token the endpoint issued that the test has not revoked.
struct oauth2_fixture {
  std::mutex mutex;
  int token_requests = 0;
  int expires_in = 3600;
  std::set<std::string> revoked;
  std::vector<std::string> api_authorizations;
  std::string last_grant_type, last_scope;

  void add_routes(httplib::Server& s) {
    s.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex);
      last_grant_type = req.get_param_value("grant_type");
      last_scope = req.get_param_value("scope");
      // base64("jobforge-client:s3cr3t"): HTTP Basic client authentication.
      if (req.get_header_value("Authorization") != "Basic am9iZm9yZ2UtY2xpZW50OnMzY3IzdA==") {
        res.status = 401;
        res.set_content(R"({"error": "invalid_client", "error_description": "bad secret"})",
                        "application/json");
        return;
      }
      const std::string token = "tok-" + std::to_string(++token_requests);
      res.set_content(
          json::serialize(json::object{
              {"access_token", token}, {"token_type", "Bearer"}, {"expires_in", expires_in}}),
          "application/json");
    });
    s.Get("/api", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex);
      const std::string authorization = req.get_header_value("Authorization");
      api_authorizations.push_back(authorization);
      const bool bearer = authorization.rfind("Bearer tok-", 0) == 0;
      const std::string token = bearer ? authorization.substr(7) : std::string();
      const bool issued = bearer && std::stoi(token.substr(4)) <= token_requests;
      if (!issued || revoked.count(token)) {
        res.status = 401;
        return;
      }
      res.set_content(R"({"data": 1})", "application/json");
    });
  }
  int tokens_issued() {
    std::lock_guard lock(mutex);
    return token_requests;
  }
};

}  // namespace

TEST_CASE("http.request: OAuth2 client-credentials tokens are fetched once and shared",
          "[http_request]") {
  oauth2_fixture auth;
  http_test_server server([&](httplib::Server& s) { auth.add_routes(s); });
  // The cache is process-wide and keyed by (token URL, client, scope): each
  // section takes a scope of its own so no other section's token is found.
  const auto job = [&](const std::string& scope, const std::string& secret = "s3cr3t") {
    json::object p{{"method", "GET"}, {"url", server.url("/api")}, {"timeout_ms", 5000}};
    p["oauth2"] = json::object{{"token_url", server.url("/token")},
                               {"client_id", "jobforge-client"},
                               {"client_secret", secret},
                               {"scope", scope}};
    return p;
  };

  SECTION("two jobs share one token") {
    const auto p = job("reports:read reports:write");
    REQUIRE(run(p).succeeded());
    REQUIRE(run(p).succeeded());
    std::lock_guard lock(auth.mutex);
    CHECK(auth.token_requests == 1);
    CHECK(auth.last_grant_type == "client_credentials");
    CHECK(auth.last_scope == "reports:read reports:write");
    CHECK(auth.api_authorizations == std::vector<std::string>{"Bearer tok-1", "Bearer tok-1"});
  }
  SECTION("a token about to expire is fetched again") {
    {
      std::lock_guard lock(auth.mutex);
      auth.expires_in = 5;  // inside the cache's 30 s margin: used once
    }
    const auto p = job("expiring");
    REQUIRE(run(p).succeeded());
    REQUIRE(run(p).succeeded());
    std::lock_guard lock(auth.mutex);
    CHECK(auth.token_requests == 2);
    CHECK(auth.api_authorizations == std::vector<std::string>{"Bearer tok-1", "Bearer tok-2"});
  }
  SECTION("a cached token the API refuses is dropped and the next attempt fetches another") {
    const auto p = job("revocable");
    REQUIRE(run(p).succeeded());
    {
      std::lock_guard lock(auth.mutex);
      auth.revoked.insert("tok-1");
    }
    const auto refused = run(p, 1);
    REQUIRE_FALSE(refused.succeeded());
    CHECK(refused.error().kind == error_kind::transient);
    CHECK(refused.error().code == "token_rejected");
    const auto retried = run(p, 2);
    REQUIRE(retried.succeeded());
    std::lock_guard lock(auth.mutex);
    CHECK(auth.token_requests == 2);
    CHECK(auth.api_authorizations.back() == "Bearer tok-2");
  }
  SECTION("jobs running at once wait for one fetch") {
    const auto p = job("concurrent");
    std::vector<std::future<handler_result>> results;
    for (int i = 0; i < 4; ++i)
      results.push_back(std::async(std::launch::async, [&p] { return run(p); }));
    for (auto& r : results) {
      REQUIRE(r.wait_for(10s) == std::future_status::ready);
      CHECK(r.get().succeeded());
    }
    CHECK(auth.tokens_issued() == 1);
  }
  SECTION("a client the token endpoint refuses fails for good") {
    const auto r = run(job("refused", "wrong"));
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::permanent);
    CHECK(r.error().code == "oauth2_rejected");
    CHECK_THAT(r.error().message, Catch::Contains("invalid_client") && Catch::Contains("401"));
    std::lock_guard lock(auth.mutex);
    CHECK(auth.api_authorizations.empty());
  }
}

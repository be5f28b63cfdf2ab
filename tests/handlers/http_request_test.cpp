// `http.request` against a real cpp-httplib server on loopback.

#include "handlers/http_request.hpp"
#include "handlers/http_exchange.hpp"
#include "handlers/http_retry_after.hpp"
#include "handlers/http_test_server.hpp"
#include "model/payload_validator.hpp"
#include "testing/test_context.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
using jobforge::error_kind;
using jobforge::handler_result;
using jobforge::job_type;
using jobforge::handlers::http_request_settings;
using jobforge::handlers::http_request_type;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using jobforge::testing_support::gate;
using jobforge::testing_support::http_test_server;
using jobforge::testing_support::open_on_exit;
using namespace std::chrono_literals;

namespace {

const job_type& default_type() {
  static const job_type type = http_request_type(http_request_settings{});
  return type;
}

handler_result run(const json::object& payload, int attempt = 1) {
  test_context ctx(attempt);
  return run_handler_once(default_type(), payload, ctx);
}

json::object get(const std::string& url) {
  return {{"method", "GET"}, {"url", url}, {"timeout_ms", 5000}};
}

std::string http_date(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

// A loopback port nothing listens on: bound by the kernel's choice, then freed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class join_on_exit {
 public:
  explicit join_on_exit(std::thread& t) : thread_(t) {}
  ~join_on_exit() {
    if (thread_.joinable()) thread_.join();
  }
  join_on_exit(const join_on_exit&) = delete;
  join_on_exit& operator=(const join_on_exit&) = delete;

 private:
  std::thread& thread_;
};

// What the server saw of the last request.
struct recorded_request {
  std::mutex mutex;
  std::string method, content_type, trace, authorization, body;
};

}  // namespace

TEST_CASE("http.request sends the method, headers and body it is given", "[http_request]") {
  recorded_request seen;
  const auto record = [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(seen.mutex);
      seen.method = req.method;
      seen.content_type = req.get_header_value("Content-Type");
      seen.trace = req.get_header_value("X-Trace");
      seen.authorization = req.get_header_value("Authorization");
      seen.body = req.body;
    }
    res.set_header("ETag", "\"v7\"");
    res.set_header("Location", "/things/7");
    res.set_header("X-Request-Id", "req-42");
    res.set_header("X-Not-Wanted", "nope");
    res.set_content(R"({"ok": true})", "application/json");
  };
  http_test_server server([&](httplib::Server& s) {
    s.Get("/things", record);
    s.Post("/things", record);
    s.Put("/things", record);
    s.Patch("/things", record);
    s.Delete("/things", record);
  });
  const auto seen_now = [&](std::string recorded_request::*field) {
    std::lock_guard lock(seen.mutex);
    return seen.*field;
  };

  SECTION("POST with a JSON body, headers, a bearer token and captured headers") {
    json::object p = get(server.url("/things"));
    p["method"] = "POST";
    p["headers"] = json::object{{"X-Trace", "trace-1"}};
    p["body"] = json::object{{"name", "widget"}, {"count", 3}};
    p["bearer_token"] = "s3cret";
    p["capture_headers"] = json::array{"X-Request-Id"};
    const auto r = run(p);
    REQUIRE(r.succeeded());
    CHECK(seen_now(&recorded_request::method) == "POST");
    CHECK(seen_now(&recorded_request::content_type) == "application/json");
    CHECK(seen_now(&recorded_request::trace) == "trace-1");
    CHECK(seen_now(&recorded_request::authorization) == "Bearer s3cret");
    CHECK(json::parse(seen_now(&recorded_request::body)) ==
          json::parse(R"({"name": "widget", "count": 3})"));
    const auto& result = r.value().as_object();
    CHECK(result.at("status") == 200);
    const auto& headers = result.at("headers").as_object();
    CHECK(headers.at("content-type") == "application/json");
    CHECK(headers.at("etag") == "\"v7\"");
    CHECK(headers.at("location") == "/things/7");
    CHECK(headers.at("x-request-id") == "req-42");
    CHECK_FALSE(headers.contains("x-not-wanted"));
    CHECK(result.at("body") == R"({"ok": true})");
    CHECK(result.at("json") == json::parse(R"({"ok": true})"));
    CHECK_FALSE(result.contains("truncated"));
    CHECK(result.at("elapsed_ms").as_int64() >= 0);
  }
  SECTION("PUT with a string body keeps the given Content-Type") {
    json::object p = get(server.url("/things"));
    p["method"] = "PUT";
    p["headers"] = json::object{{"Content-Type", "text/csv"}};
    p["body"] = "id,name\n7,widget\n";
    REQUIRE(run(p).succeeded());
    CHECK(seen_now(&recorded_request::method) == "PUT");
    CHECK(seen_now(&recorded_request::content_type) == "text/csv");
    CHECK(seen_now(&recorded_request::body) == "id,name\n7,widget\n");
  }
  SECTION("PATCH with a string body and no Content-Type sends text/plain") {
    json::object p = get(server.url("/things"));
    p["method"] = "PATCH";
    p["body"] = "count=4";
    REQUIRE(run(p).succeeded());
    CHECK(seen_now(&recorded_request::method) == "PATCH");
    CHECK(seen_now(&recorded_request::content_type) == "text/plain; charset=utf-8");
    CHECK(seen_now(&recorded_request::body) == "count=4");
  }
  SECTION("GET, DELETE and HEAD without a body") {
    for (const char* method : {"GET", "DELETE", "HEAD"}) {
      json::object p = get(server.url("/things"));
      p["method"] = method;
      const auto r = run(p);
      REQUIRE(r.succeeded());
      CHECK(seen_now(&recorded_request::method) == method);
      CHECK(seen_now(&recorded_request::content_type).empty());
      CHECK(seen_now(&recorded_request::body).empty());
      CHECK(r.value().at("body") == (std::string(method) == "HEAD" ? "" : R"({"ok": true})"));
    }
  }
}

TEST_CASE("http.request: a 5xx is transient and the next attempt succeeds", "[http_request]") {
  std::atomic<int> calls{0};
  http_test_server server([&](httplib::Server& s) {
    s.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
      if (++calls == 1) {
        res.status = 500;
        res.set_content("database busy", "text/plain");
      } else {
        res.set_content("fine", "text/plain");
      }
    });
  });
  const auto first = run(get(server.url("/flaky")), 1);
  REQUIRE_FALSE(first.succeeded());
  CHECK(first.error().kind == error_kind::transient);
  CHECK(first.error().code == "server_error");
  CHECK_THAT(first.error().message, Catch::Contains("500") && Catch::Contains("database busy"));
  CHECK_FALSE(first.error().retry_after_ms);
  const auto second = run(get(server.url("/flaky")), 2);
  REQUIRE(second.succeeded());
  CHECK(second.value().at("body") == "fine");
  CHECK(calls == 2);
}

TEST_CASE("http.request: 429 and 503 pass Retry-After on as the next backoff", "[http_request]") {
  const std::string in_two_minutes = http_date(std::chrono::system_clock::now() + 120s);
  http_test_server server([&](httplib::Server& s) {
    s.Get("/limited", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "7");
    });
    s.Get("/maintenance", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", in_two_minutes);
    });
    s.Get("/limited-silently",
          [](const httplib::Request&, httplib::Response& res) { res.status = 429; });
  });

  const auto seconds = run(get(server.url("/limited")));
  REQUIRE_FALSE(seconds.succeeded());
  CHECK(seconds.error().kind == error_kind::transient);
  CHECK(seconds.error().code == "rate_limited");
  CHECK(seconds.error().retry_after_ms == 7000);

  const auto date = run(get(server.url("/maintenance")));
  REQUIRE_FALSE(date.succeeded());
  CHECK(date.error().code == "server_error");
  REQUIRE(date.error().retry_after_ms);
  // The date has whole seconds and the test takes a moment to get there.
  CHECK(*date.error().retry_after_ms > 115'000);
  CHECK(*date.error().retry_after_ms <= 120'000);

  const auto silent = run(get(server.url("/limited-silently")));
  REQUIRE_FALSE(silent.succeeded());
  CHECK(silent.error().kind == error_kind::transient);
  CHECK_FALSE(silent.error().retry_after_ms);
}

TEST_CASE("http.request: Retry-After in both of its forms", "[http_request]") {
  using jobforge::handlers::parse_retry_after;
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);
  CHECK(parse_retry_after("120", now) == 120'000ms);
  CHECK(parse_retry_after(" 0 ", now) == 0ms);
  CHECK(parse_retry_after(http_date(now + 90s), now) == 90'000ms);
  CHECK(parse_retry_after(http_date(now - 90s), now) == 0ms);
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
}

TEST_CASE("http.request: other 4xx and unexpected statuses are permanent", "[http_request]") {
  http_test_server server([&](httplib::Server& s) {
    s.Get("/moved", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/elsewhere");
    });
  });
  const auto missing = run(get(server.url("/missing")));
  REQUIRE_FALSE(missing.succeeded());
  CHECK(missing.error().kind == error_kind::permanent);
  CHECK(missing.error().code == "client_error");
  CHECK_THAT(missing.error().message, Catch::Contains("404"));

  const auto moved = run(get(server.url("/moved")));
  REQUIRE_FALSE(moved.succeeded());
  CHECK(moved.error().kind == error_kind::permanent);
  CHECK(moved.error().code == "unexpected_status");

  json::object expecting = get(server.url("/moved"));
  expecting["expected_status"] = json::array{301, 404};
  const auto ok = run(expecting);
  REQUIRE(ok.succeeded());
  CHECK(ok.value().at("headers").at("location") == "/elsewhere");
}

TEST_CASE("http.request: a refused connection is transient", "[http_request]") {
  const auto r = run(get("http://127.0.0.1:" + std::to_string(closed_port()) + "/"));
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().kind == error_kind::transient);
  CHECK(r.error().code == "connect_failed");
}

TEST_CASE("http.request: a stalled transfer ends on a stop request or its timeout",
          "[http_request]") {
  gate finish;
  std::promise<void> sending;
  std::atomic<bool> signalled{false};
  http_test_server server([&](httplib::Server& s) {
    s.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [&](size_t, httplib::DataSink& sink) {
        sink.write("first part\n", 11);
        if (!signalled.exchange(true)) sending.set_value();
        finish.wait_open(10s);
        sink.write("second part\n", 12);
        sink.done();
        return true;
      });
    });
  });

  SECTION("a stop request aborts it at once") {
    test_context ctx;
    std::promise<handler_result> outcome;
    auto outcome_ready = outcome.get_future();
    std::thread runner([&] {
      json::object p = get(server.url("/slow"));
      p["timeout_ms"] = 10'000;
      outcome.set_value(run_handler_once(default_type(), p, ctx));
    });
    join_on_exit join{runner};
    open_on_exit release{finish};
    REQUIRE(sending.get_future().wait_for(5s) == std::future_status::ready);
    const auto stopped_at = std::chrono::steady_clock::now();
    ctx.request_stop();
    REQUIRE(outcome_ready.wait_for(5s) == std::future_status::ready);
    CHECK(std::chrono::steady_clock::now() - stopped_at < 1s);
    const auto r = outcome_ready.get();
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "interrupted");
    CHECK_THAT(r.error().message, Catch::Contains("canceled"));
  }
  SECTION("timeout_ms ends it") {
    open_on_exit release{finish};
    json::object p = get(server.url("/slow"));
    p["timeout_ms"] = 300;
    const auto r = run(p);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "http_timeout");
  }
}

TEST_CASE("http.request: the body is capped at max_response_bytes", "[http_request]") {
  http_test_server server([&](httplib::Server& s) {
    s.Get("/big.json", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[" + std::string(100'000, '1') + "]", "application/json");
    });
    s.Get("/accents", [](const httplib::Request&, httplib::Response& res) {
      std::string text;
      for (int i = 0; i < 1000; ++i)
        text += "\xC3\xA9";  // é
      res.set_content(text, "text/plain; charset=utf-8");
    });
    s.Get("/bytes", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string("\xFF\x00\x01\xFE", 4), "application/octet-stream");
    });
  });
  http_request_settings settings;
  settings.max_response_bytes = 1001;
  const job_type type = http_request_type(settings);
  test_context ctx;

  const auto big = run_handler_once(type, get(server.url("/big.json")), ctx);
  REQUIRE(big.succeeded());
  CHECK(big.value().at("body").as_string().size() == 1001);
  CHECK(big.value().at("truncated") == true);
  CHECK_FALSE(big.value().as_object().contains("json"));

  // 1001 bytes would end inside a two-byte character: the text stops before it.
  const auto accents = run_handler_once(type, get(server.url("/accents")), ctx);
  REQUIRE(accents.succeeded());
  CHECK(accents.value().at("body").as_string().size() == 1000);
  CHECK(accents.value().at("truncated") == true);

  const auto bytes = run_handler_once(type, get(server.url("/bytes")), ctx);
  REQUIRE(bytes.succeeded());
  CHECK_FALSE(bytes.value().as_object().contains("body"));
  CHECK(bytes.value().at("body_base64") == "/wAB/g==");
}

TEST_CASE("http.request refuses bad input with a permanent error naming the field",
          "[http_request]") {
  const auto& type = default_type();
  test_context ctx;
  const auto refused = [&](const json::object& p, const std::string& code,
                           const std::string& names) {
    // Through the schema, as the runtime runs it, and straight into the
    // handler, which must not rely on the schema.
    const auto validated = run_handler_once(type, p, ctx);
    REQUIRE_FALSE(validated.succeeded());
    CHECK(validated.error().kind == error_kind::permanent);
    CHECK(validated.error().code == "invalid_payload");
    CHECK_THAT(validated.error().message, Catch::Contains(names));
    const auto direct = type.handler(ctx, p);
    REQUIRE_FALSE(direct.succeeded());
    CHECK(direct.error().kind == error_kind::permanent);
    CHECK(direct.error().code == code);
    CHECK_THAT(direct.error().message, Catch::Contains(names));
  };
  SECTION("a file:// URL") {
    refused(get("file:///etc/passwd"), "invalid_url", "url");
  }
  SECTION("an OAuth2 token URL that is not http") {
    json::object p = get("https://api.example.com/");
    p["oauth2"] = json::object{
        {"token_url", "ftp://auth.example.com/token"}, {"client_id", "c"}, {"client_secret", "s"}};
    refused(p, "invalid_url", "token_url");
  }
  SECTION("an unknown method") {
    json::object p = get("https://api.example.com/");
    p["method"] = "FETCH";
    refused(p, "invalid_method", "method");
  }
  SECTION("a header value with a line break") {
    json::object p = get("https://api.example.com/");
    p["headers"] = json::object{{"X-Note", "fine\r\nX-Injected: yes"}};
    refused(p, "invalid_header", "X-Note");
  }
  SECTION("a HEAD request with a body") {
    json::object p = get("https://api.example.com/");
    p["method"] = "HEAD";
    p["body"] = "x";
    const auto r = type.handler(ctx, p);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::permanent);
    CHECK_THAT(r.error().message, Catch::Contains("body"));
  }
}

TEST_CASE("http.request: libcurl is told to fetch nothing but http and https", "[http_request]") {
  // Below the handler's own URL check: the exchange refuses other schemes too.
  jobforge::stop_source never;
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/", "dict://127.0.0.1/"}) {
    jobforge::handlers::http_exchange_request request;
    request.url = url;
    const auto response = jobforge::handlers::perform_exchange(request, never.token());
    REQUIRE(response.failure);
    CHECK(response.failure->kind == error_kind::permanent);
    CHECK(response.failure->code == "invalid_url");
  }
}

TEST_CASE("http.request: the sample payload matches the schema", "[http_request]") {
  const auto validator = jobforge::payload_validator::compile(default_type().schema);
  REQUIRE(validator);
  CHECK(validator->validate(default_type().sample_payload));
  CHECK(default_type().defaults.max_attempts == 5);
  CHECK(default_type().defaults.timeout_ms == 60'000);
}

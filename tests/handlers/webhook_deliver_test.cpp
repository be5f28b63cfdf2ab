// `webhook.deliver` against a real cpp-httplib receiver on loopback: the
// body, the headers, the signature a receiver can check, and how answers
// are classified.

#include "handlers/webhook_deliver.hpp"
#include "handlers/http_test_server.hpp"
#include "handlers/webhook_signature.hpp"
#include "testing/test_context.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <openssl/hmac.h>

#include <mutex>
#include <string>
#include <vector>

namespace json = boost::json;
using jobforge::error_kind;
using jobforge::handler_result;
using jobforge::handlers::webhook_deliver_type;
using jobforge::handlers::webhook_delivery_settings;
using jobforge::handlers::webhook_signature;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using jobforge::testing_support::http_test_server;

namespace {

struct received {
  std::string body;
  std::string signature;
  std::string event;
  std::string delivery;
  std::string content_type;
};

/// A receiver at /hook that answers `statuses` in turn (the last one from
/// then on) and keeps what it got.
struct receiver {
  explicit receiver(std::vector<int> answers, std::string retry_after = {})
      : statuses(std::move(answers)), server([this, retry_after](httplib::Server& s) {
          s.Post("/hook", [this, retry_after](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            got.push_back({req.body, req.get_header_value("X-Jobforge-Signature"),
                           req.get_header_value("X-Jobforge-Event"),
                           req.get_header_value("X-Jobforge-Delivery"),
                           req.get_header_value("Content-Type")});
            const std::size_t i = std::min(got.size(), statuses.size()) - 1;
            res.status = statuses[i];
            if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
            res.set_content("ok", "text/plain");
          });
        }) {}

  std::vector<int> statuses;
  std::mutex mutex;
  std::vector<received> got;
  http_test_server server;
};

json::object delivery_payload(const std::string& url) {
  return {{"url", url},
          {"event",
           {{"event", "job.completed"},
            {"job_id", "0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a"},
            {"type", "echo"},
            {"to", "completed"},
            {"result", {{"n", 1}}}}}};
}

handler_result deliver(const json::object& payload, const std::string& secret = "s3cret") {
  webhook_delivery_settings settings;
  settings.secret = secret;
  settings.timeout_ms = 5'000;
  const auto type = webhook_deliver_type(settings);
  test_context ctx;
  return run_handler_once(type, payload, ctx);
}

// The receiver's side of the signature, computed independently of ours.
std::string expected_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  for (unsigned int i = 0; i < length; ++i)
    std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return "sha256=" + std::string(hex, 2 * length);
}

}  // namespace

TEST_CASE("a delivery POSTs the event as JSON with a signature the receiver can check",
          "[webhook]") {
  receiver r({204});
  const auto payload = delivery_payload(r.server.url("/hook"));
  const auto result = deliver(payload);
  REQUIRE(result.succeeded());
  CHECK(result.value().at("status") == json::value(204));
  std::lock_guard lock(r.mutex);
  REQUIRE(r.got.size() == 1);
  const auto& got = r.got.front();
  CHECK(json::parse(got.body) == payload.at("event"));
  CHECK(got.content_type == "application/json");
  CHECK(got.event == "job.completed");
  CHECK(got.delivery.size() == 36);  // the delivery job's id
  CHECK(got.signature == expected_signature("s3cret", got.body));
  CHECK(got.signature != expected_signature("another", got.body));
  CHECK(webhook_signature("key", "The quick brown fox jumps over the lazy dog") ==
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST_CASE("without a secret a delivery goes unsigned", "[webhook]") {
  receiver r({200});
  REQUIRE(deliver(delivery_payload(r.server.url("/hook")), "").succeeded());
  std::lock_guard lock(r.mutex);
  REQUIRE(r.got.size() == 1);
  CHECK(r.got.front().signature.empty());
}

TEST_CASE("a receiver's 5xx, 429 and 408 are retried, other answers are final", "[webhook]") {
  SECTION("500 then 200") {
    receiver r({500, 200});
    const auto payload = delivery_payload(r.server.url("/hook"));
    const auto first = deliver(payload);
    REQUIRE_FALSE(first.succeeded());
    CHECK(first.error().kind == error_kind::transient);
    CHECK(first.error().code == "http_500");
    CHECK(deliver(payload).succeeded());
  }
  SECTION("429 with Retry-After") {
    receiver r({429}, "30");
    const auto result = deliver(delivery_payload(r.server.url("/hook")));
    REQUIRE_FALSE(result.succeeded());
    CHECK(result.error().kind == error_kind::transient);
    CHECK(result.error().retry_after_ms == 30'000);
  }
  SECTION("404 is permanent") {
    receiver r({404});
    const auto result = deliver(delivery_payload(r.server.url("/hook")));
    REQUIRE_FALSE(result.succeeded());
    CHECK(result.error().kind == error_kind::permanent);
    CHECK(result.error().code == "http_404");
  }
}

TEST_CASE("a dead receiver is a transient failure", "[webhook]") {
  std::string url;
  {
    receiver gone({200});
    url = gone.server.url("/hook");
  }  // stopped: nothing listens there any more
  const auto result = deliver(delivery_payload(url));
  REQUIRE_FALSE(result.succeeded());
  CHECK(result.error().kind == error_kind::transient);
}

TEST_CASE("a replayed delivery with a bad URL or a header-breaking event name is refused safely",
          "[webhook]") {
  auto bad_url = delivery_payload("http://127.0.0.1:1/hook");
  bad_url["url"] = "http://h/ x";
  const auto refused = deliver(bad_url);
  REQUIRE_FALSE(refused.succeeded());
  CHECK(refused.error().kind == error_kind::permanent);

  receiver r({200});
  auto payload = delivery_payload(r.server.url("/hook"));
  payload["event"].as_object()["event"] = "job.completed\r\nX-Evil: 1";
  REQUIRE(deliver(payload).succeeded());
  std::lock_guard lock(r.mutex);
  REQUIRE(r.got.size() == 1);
  CHECK(r.got.front().event.empty());  // left out rather than split into two headers
}

// Webhooks through the real server: deliveries signed with the configured
// secret, retried while the receiver fails, and still delivered after a
// restart when the receiver was down before it.

#include "served_jobforge.hpp"

#include <openssl/hmac.h>

#include <csignal>
#include <mutex>

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using namespace std::chrono_literals;

namespace {

std::string hmac_hex(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  std::string out = "sha256=";
  char two[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    out += two;
  }
  return out;
}

/// A webhook receiver on 127.0.0.1:`port` that fails the first `failures`
/// POSTs with 500 and keeps every body with its signature.
class receiver {
 public:
  receiver(int port, int failures) : failures_(failures) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(req.body);
      signatures_.push_back(req.get_header_value("X-Jobforge-Signature"));
      res.status = static_cast<int>(bodies_.size()) <= failures_ ? 500 : 204;
    });
    REQUIRE(server_.bind_to_port("127.0.0.1", port));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    REQUIRE(e2e::eventually([this] { return server_.is_running(); }, 5s));
  }
  ~receiver() {
    server_.stop();
    thread_.join();
  }

  std::size_t count() {
    std::lock_guard lock(mutex_);
    return bodies_.size();
  }
  std::string body(std::size_t i) {
    std::lock_guard lock(mutex_);
    return bodies_.at(i);
  }
  std::string signature(std::size_t i) {
    std::lock_guard lock(mutex_);
    return signatures_.at(i);
  }

 private:
  int failures_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> signatures_;
};

json::object only_delivery(served_jobforge& jf) {
  auto list = jf.get("/api/jobs?type=webhook.deliver");
  REQUIRE(list.status == 200);
  const auto& items = list.object().at("items").as_array();
  REQUIRE(items.size() == 1);
  return items.front().as_object();
}

}  // namespace

TEST_CASE("a job's webhook is delivered signed, and retried while the receiver fails",
          "[webhook]") {
  const int port = e2e::free_loopback_port();
  receiver hooks(port, 1);
  served_jobforge jf({}, std::nullopt, {"JOBFORGE_WEBHOOKS_SECRET=e2e-secret"});
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  auto r = jf.post("/api/jobs?wait=10",
                   json::object{{"type", "echo"}, {"payload", {{"n", 7}}}, {"webhook_url", url}});
  REQUIRE(r.status == 201);
  REQUIRE(status_of(r) == "completed");
  const std::string id = e2e::id_of(r);
  CHECK(r.object().at("webhook_url") == json::value(url));

  // The first POST gets a 500; the retry (about a second later) a 204.
  REQUIRE(e2e::eventually([&] { return hooks.count() >= 2; }, 15s));
  for (std::size_t i = 0; i < 2; ++i) {
    const auto body = hooks.body(i);
    const auto event = json::parse(body);
    CHECK(event.at("event") == "job.completed");
    CHECK(event.at("job_id") == json::value(id));
    CHECK(event.at("result") == json::parse(R"({"n": 7})"));
    CHECK(hooks.signature(i) == hmac_hex("e2e-secret", body));
  }
  REQUIRE(e2e::eventually(
      [&] { return only_delivery(jf).at("status") == json::value("completed"); }, 5s));
  const auto delivery = only_delivery(jf);
  CHECK(delivery.at("attempts") == json::value(2));
  CHECK(delivery.at("last_error").at("code") == json::value("http_500"));
  CHECK(hooks.count() == 2);
}

TEST_CASE("a configured webhook survives a restart while its receiver is down", "[webhook]") {
  const int port = e2e::free_loopback_port();
  const std::string rules = R"(JOBFORGE_WEBHOOKS_RULES=[{"url": "http://127.0.0.1:)" +
                            std::to_string(port) +
                            R"(/hook", "types": ["fail"], "events": ["failed"]}])";
  const std::vector<std::string> env{rules, "JOBFORGE_WEBHOOKS_SECRET=restart-secret"};
  e2e::temp_dir data;
  std::string failed_id;
  {
    served_jobforge jf({}, data.path().string(), env);
    auto r =
        jf.post("/api/jobs?wait=10",
                json::object{{"type", "fail"}, {"payload", {{"times", 9}, {"kind", "permanent"}}}});
    REQUIRE(status_of(r) == "failed");
    failed_id = e2e::id_of(r);
    // Nobody listens on the port yet: the delivery fails and waits to retry.
    REQUIRE(e2e::eventually(
        [&] {
          const auto d = only_delivery(jf);
          return d.at("attempts").as_int64() >= 1 && d.at("status") == json::value("retrying");
        },
        10s));
    REQUIRE(jf.process().stop_with(SIGTERM, 20s) == 0);
  }
  receiver hooks(port, 0);
  served_jobforge again({}, data.path().string(), env);
  REQUIRE(e2e::eventually([&] { return hooks.count() >= 1; }, 20s));
  const auto event = json::parse(hooks.body(0));
  CHECK(event.at("event") == "job.failed");
  CHECK(event.at("job_id") == json::value(failed_id));
  CHECK(event.at("error").at("kind") == "permanent");
  CHECK(hooks.signature(0) == hmac_hex("restart-secret", hooks.body(0)));
  REQUIRE(e2e::eventually(
      [&] { return only_delivery(again).at("status") == json::value("completed"); }, 5s));
}

TEST_CASE("a webhook URL that is not http(s) is refused at submission and nothing is stored",
          "[webhook]") {
  served_jobforge jf;
  auto r = jf.post("/api/jobs", json::object{{"type", "echo"}, {"webhook_url", "ftp://x/y"}});
  CHECK(r.status == 400);
  CHECK(r.error_code() == "invalid_argument");
  auto list = jf.get("/api/jobs");
  CHECK(list.object().at("items").as_array().empty());
}

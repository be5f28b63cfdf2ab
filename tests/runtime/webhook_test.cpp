// Webhooks (issue 7): a status change that calls for a webhook is committed
// together with its delivery job, and the delivery is an ordinary job of the
// delivery type, retried with backoff like any other.
#include "model/webhook.hpp"
#include "runtime_fixture.hpp"
#include "store/forwarding_store.hpp"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

/// A store that keeps every committed batch, to check what went in together.
class recording_store final : public forwarding_store {
 public:
  recording_store() : forwarding_store(make_memory_store()) {}
  expected<void> apply(const std::vector<store_write>& batch) override {
    batches.push_back(batch);
    return inner().apply(batch);
  }
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return false; }

  std::vector<std::vector<store_write>> batches;
};

/// A delivery type whose handler records each payload and fails the first
/// `failures` calls transiently.
struct delivery_log {
  std::vector<boost::json::value> payloads;
  int failures = 0;
};

job_type recording_delivery_type(std::shared_ptr<delivery_log> log) {
  job_type t;
  t.name = webhook_delivery_type;
  t.schema = boost::json::parse(R"({"type": "object", "required": ["url", "event"]})");
  t.sample_payload = boost::json::parse(R"({"url": "http://h/", "event": {}})");
  t.defaults.max_attempts = 5;
  t.defaults.retry.initial_backoff_ms = 1'000;
  t.defaults.retry.jitter = 0;
  t.handler = [log](handler_context&, const boost::json::value& payload) {
    log->payloads.push_back(payload);
    if (log->failures > 0) {
      --log->failures;
      return handler_result::transient("http_503", "the receiver answered 503");
    }
    return handler_result::ok();
  };
  return t;
}

std::vector<job> deliveries_in(testing::simulated_runtime& rt) {
  job_query q;
  q.filter.type = webhook_delivery_type;
  q.order = job_order::created_asc;
  auto page = rt.list(q);
  REQUIRE(page);
  return page->items;
}

bool writes_job(const std::vector<store_write>& batch, const job_id& id, job_status status) {
  for (const auto& w : batch)
    if (const auto* put = std::get_if<put_job>(&w))
      if (put->snapshot->id == id && put->snapshot->status == status) return true;
  return false;
}

}  // namespace

TEST_CASE("a job's webhook is a delivery job committed with the change it reports",
          "[runtime][webhook]") {
  auto log = std::make_shared<delivery_log>();
  auto backend = std::make_shared<recording_store>();
  testing::simulated_runtime rt(demo_registry([&](job_type_registry& types) {
                                  REQUIRE(types.add(recording_delivery_type(log)));
                                }),
                                runtime_config{}, 1, backend);
  auto r = request("echo", R"({"hello": "world"})");
  r.webhook_url = "http://127.0.0.1:9/hook";
  const job j = submit_ok(rt, r);
  rt.run();
  REQUIRE(rt.status(j.id) == job_status::completed);

  const auto deliveries = deliveries_in(rt);
  REQUIRE(deliveries.size() == 1);  // terminal statuses only, by default
  const job& d = deliveries.front();
  CHECK(d.status == job_status::completed);
  CHECK(d.tenant == j.tenant);
  CHECK(d.payload.at("url") == boost::json::value("http://127.0.0.1:9/hook"));
  const auto& event = d.payload.at("event");
  CHECK(event.at("event") == boost::json::value("job.completed"));
  CHECK(event.at("job_id") == boost::json::value(to_string(j.id)));
  CHECK(event.at("result") == boost::json::parse(R"({"hello": "world"})"));
  REQUIRE(log->payloads.size() == 1);
  CHECK(log->payloads.front() == d.payload);

  // The completion and its delivery went to the store in one transaction.
  bool together = false;
  for (const auto& batch : backend->batches)
    if (writes_job(batch, j.id, job_status::completed))
      together = writes_job(batch, d.id, job_status::pending);
  CHECK(together);
}

TEST_CASE("a failing receiver is retried with backoff and never holds up other work",
          "[runtime][webhook]") {
  auto log = std::make_shared<delivery_log>();
  log->failures = 2;
  testing::simulated_runtime rt(demo_registry(
      [&](job_type_registry& types) { REQUIRE(types.add(recording_delivery_type(log))); }));
  auto r = request("echo");
  r.webhook_url = "http://127.0.0.1:9/hook";
  const job first = submit_ok(rt, r);
  rt.run();
  auto deliveries = deliveries_in(rt);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries.front().status == job_status::retrying);
  // Meanwhile other jobs run as usual.
  const job other = submit_ok(rt, request("echo"));
  rt.run();
  CHECK(rt.status(other.id) == job_status::completed);
  rt.advance(1'000ms);
  rt.advance(2'000ms);
  deliveries = deliveries_in(rt);
  CHECK(deliveries.front().status == job_status::completed);
  CHECK(deliveries.front().attempts == 3);
  CHECK(log->payloads.size() == 3);
  CHECK(rt.status(first.id) == job_status::completed);
}

TEST_CASE("configured webhooks fire by type and status, including scheduler-made changes",
          "[runtime][webhook]") {
  auto log = std::make_shared<delivery_log>();
  runtime_config config;
  config.webhooks.rules.push_back({"http://127.0.0.1:9/failures", {"fail"}, {job_status::failed}});
  config.webhooks.rules.push_back(
      {"http://127.0.0.1:9/every", {"sleep"}, {all_job_statuses.begin(), all_job_statuses.end()}});
  testing::simulated_runtime rt(demo_registry([&](job_type_registry& types) {
                                  REQUIRE(types.add(recording_delivery_type(log)));
                                }),
                                config);
  auto failing = request("fail", R"({"times": 5, "kind": "permanent"})");
  const job f = submit_ok(rt, failing);
  auto later = request("sleep", R"({"ms": 10})");
  later.run_in_ms = 60'000;
  const job s = submit_ok(rt, later);
  rt.run();
  CHECK(rt.status(f.id) == job_status::failed);
  // The scheduler moves the sleep job, the cancellation is the scheduler's too.
  auto canceled = rt.cancel(s.id);
  rt.run();
  REQUIRE(canceled.ready());
  std::vector<std::string> seen;
  for (const auto& payload : log->payloads)
    seen.push_back(std::string(payload.at("url").as_string()) + " " +
                   std::string(payload.at("event").at("event").as_string()));
  CHECK(seen == std::vector<std::string>{"http://127.0.0.1:9/failures job.failed",
                                         "http://127.0.0.1:9/every job.canceled"});
}

TEST_CASE("a webhook URL needs a server that delivers webhooks", "[runtime][webhook]") {
  testing::simulated_runtime rt(demo_registry());
  auto r = request("echo");
  r.webhook_url = "http://127.0.0.1:9/hook";
  auto refused = rt.submit(r);
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().code == error_code::invalid_argument);
  CHECK(refused.error_value().message.find("webhook_url") != std::string::npos);
  job_query all;
  auto page = rt.list(all);
  REQUIRE(page);
  CHECK(page->items.empty());
}

// Every call of jobforge::client against the real `jobforge serve`.
#include "client_server.hpp"

#include "../e2e/keyed_server.hpp"

#include <boost/json.hpp>

#include <future>

namespace jfc = jobforge::client;
namespace json = boost::json;
using namespace std::chrono_literals;
using client_e2e::request;
using client_e2e::test_options;

TEST_CASE("client: submit, get, list, cancel, wait and execute_sync") {
  e2e::served_jobforge jf;
  jfc::client c(test_options("http://127.0.0.1:" + std::to_string(jf.port())));

  auto s = c.submit(request("echo", R"({"n": 1})"));
  REQUIRE(s);
  CHECK(s->created);
  CHECK(s->job.type == "echo");
  CHECK(json::parse(s->job.payload_json) == json::parse(R"({"n": 1})"));

  auto done = c.wait(s->job.id, 10s);
  REQUIRE(done);
  CHECK(done->status == "completed");
  CHECK(json::parse(done->result_json) == json::parse(R"({"n": 1})"));

  auto got = c.get(s->job.id);
  REQUIRE(got);
  CHECK(got->status == "completed");
  CHECK(json::parse(got->json).at("id") == json::value(s->job.id));

  auto slow = c.submit(request("sleep", R"({"ms": 60000})"));
  REQUIRE(slow);
  jfc::list_query q;
  q.type = "sleep";
  auto page = c.list(q);
  REQUIRE(page);
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].id == slow->job.id);

  // A wait that runs out says so, with the job's status; the job goes on.
  auto waited = c.wait(slow->job.id, 300ms);
  REQUIRE_FALSE(waited);
  CHECK(waited.error_value().kind == jfc::error_kind::timeout);
  CHECK((waited.error_value().job_status == "pending" ||
         waited.error_value().job_status == "running"));

  auto canceled = c.cancel(slow->job.id, {"not needed", "forced"});
  REQUIRE(canceled);
  CHECK(canceled->status == "canceled");
  CHECK(canceled->cancel_reason == std::optional<std::string>("not needed"));
  auto again = c.cancel(slow->job.id);
  REQUIRE_FALSE(again);
  CHECK(again.error_value().kind == jfc::error_kind::rejected);
  CHECK(again.error_value().http_status == 409);

  auto missing = c.get("0f8fad5b-d9cb-469f-a165-70867728950e");
  REQUIRE_FALSE(missing);
  CHECK(missing.error_value().http_status == 404);
  CHECK(missing.error_value().code == "not_found");

  auto sync = c.execute_sync(request("echo", R"({"sync": true})"), 10s);
  REQUIRE(sync);
  CHECK_FALSE(sync->ran_locally);
  CHECK(json::parse(sync->result_json) == json::parse(R"({"sync": true})"));

  auto failing = c.execute_sync(request("fail", R"({"times": 5, "kind": "permanent"})"), 10s);
  REQUIRE_FALSE(failing);
  CHECK(failing.error_value().kind == jfc::error_kind::job_failed);
  CHECK_FALSE(failing.error_value().job_id.empty());

  auto refused = c.submit(request("no.such.type", "{}"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().http_status == 422);
  auto bad = c.submit(request("echo", "{nope"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error_value().kind == jfc::error_kind::invalid_argument);

  CHECK(c.breaker().state == jfc::breaker_state::closed);
  CHECK(c.breaker().consecutive_failures == 0);
}

TEST_CASE("client: submit_batch with a dependency by name, and a unique_key deduplicates") {
  e2e::served_jobforge jf;
  jfc::client c(test_options("http://127.0.0.1:" + std::to_string(jf.port())));
  auto parent = request("echo", R"({"step": 1})");
  auto child = request("echo", R"({"step": 2})");
  child.depends_on = {"first"};
  auto batch = c.submit_batch({{"first", parent}, {"second", child}});
  REQUIRE(batch);
  REQUIRE(batch->size() == 2);
  auto second = c.wait((*batch)[1].job.id, 10s);
  REQUIRE(second);
  CHECK(second->status == "completed");
  CHECK(json::parse(second->json).at("depends_on") == json::array{(*batch)[0].job.id.c_str()});

  auto keyed = request("echo", R"({"once": true})");
  keyed.unique_key = "order-42";
  auto first = c.submit(keyed);
  auto repeat = c.submit(keyed);
  REQUIRE(first);
  REQUIRE(repeat);
  CHECK(first->created);
  CHECK_FALSE(repeat->created);
  CHECK(repeat->job.id == first->job.id);
}

TEST_CASE("client: on_done calls back once per job, done already or later, from one stream") {
  e2e::served_jobforge jf;
  jfc::client c(test_options("http://127.0.0.1:" + std::to_string(jf.port())));
  auto early = c.submit(request("echo", R"({"early": 1})"));
  REQUIRE(early);
  REQUIRE(c.wait(early->job.id, 10s));

  REQUIRE(jf.post_text("/api/job-types/sleep/pause", "").status == 200);
  auto late = c.submit(request("sleep", R"({"ms": 10})"));
  REQUIRE(late);
  std::promise<jfc::job> early_done, late_done;
  std::atomic<int> calls{0};
  c.on_done(early->job.id, [&](const jfc::job& j) {
    ++calls;
    early_done.set_value(j);
  });
  c.on_done(late->job.id, [&](const jfc::job& j) {
    ++calls;
    late_done.set_value(j);
  });
  auto e = early_done.get_future();
  REQUIRE(e.wait_for(10s) == std::future_status::ready);
  CHECK(e.get().status == "completed");
  CHECK(c.awaiting() == 1);

  REQUIRE(jf.post_text("/api/job-types/sleep/resume", "").status == 200);
  auto l = late_done.get_future();
  REQUIRE(l.wait_for(10s) == std::future_status::ready);
  CHECK(l.get().status == "completed");
  CHECK(c.awaiting() == 0);
  CHECK(calls == 2);
}

TEST_CASE("client: the API key goes with every call and the event stream, a wrong one is refused") {
  e2e::keyed_server keyed;
  const std::string url = "http://127.0.0.1:" + std::to_string(keyed.jf().port());
  auto o = test_options(url);
  o.api_key = e2e::key_of("acme", e2e::role::submitter);
  jfc::client c(o);

  auto s = c.submit(request("echo", R"({"keyed": 1})"));
  REQUIRE(s);
  CHECK(s->job.tenant == "acme");
  std::promise<jfc::job> done;
  c.on_done(s->job.id, [&](const jfc::job& j) { done.set_value(j); });
  auto f = done.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK(f.get().status == "completed");
  REQUIRE(c.wait(s->job.id, 5s));
  auto page = c.list();
  REQUIRE(page);
  CHECK(page->items.size() == 1);
  auto slow = c.submit(request("sleep", R"({"ms": 60000})"));
  REQUIRE(slow);
  auto canceled = c.cancel(slow->job.id, {"keyed cancel", "forced"});
  REQUIRE(canceled);
  CHECK(canceled->status == "canceled");

  // Another tenant's key does not see the job; no key and a wrong key are
  // refused (an answer: the breaker stays closed).
  o.api_key = e2e::key_of("globex", e2e::role::operator_);
  CHECK(jfc::client(o).get(s->job.id).error_value().http_status == 404);
  for (const std::string key : {"", "not-a-key-of-this-server"}) {
    o.api_key = key;
    jfc::client stranger(o);
    auto refused = stranger.get(s->job.id);
    REQUIRE_FALSE(refused);
    CHECK(refused.error_value().kind == jfc::error_kind::rejected);
    CHECK(refused.error_value().http_status == 401);
    CHECK(stranger.breaker().state == jfc::breaker_state::closed);
    CHECK(stranger.breaker().consecutive_failures == 0);
  }
  // A viewer may read but not submit.
  o.api_key = e2e::key_of("acme", e2e::role::viewer);
  jfc::client viewer(o);
  CHECK(viewer.get(s->job.id));
  CHECK(viewer.submit(request("echo", "{}")).error_value().http_status == 403);
}

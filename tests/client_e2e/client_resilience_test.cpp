// jobforge::client when the server goes away and comes back: the circuit
// breaker, the in-process fallback, retries that never make a second job,
// on_done across a restart, a standby's hint, and TLS.
#include "client_server.hpp"

#include "../e2e/self_signed_certificate.hpp"
#include "handlers/demo_types.hpp"
#include "http/standby_server.hpp"
#include "jobforge/client_fallback.hpp"
#include "model/job_type_registry.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace jfc = jobforge::client;
namespace json = boost::json;
using namespace std::chrono_literals;
using client_e2e::request;
using client_e2e::server_on_port;
using client_e2e::test_options;

TEST_CASE("client: the breaker opens when the server stops, probes, and closes when it is back") {
  e2e::temp_dir data;
  server_on_port server(e2e::free_loopback_port(), data.file("data"));
  auto o = test_options(server.url());
  o.breaker = {3, 400ms};
  o.max_attempts = 1;
  jfc::client c(o);
  auto s = c.submit(request("echo", "{}"));
  REQUIRE(s);

  server.kill();
  for (int i = 0; i < 3; ++i) {
    auto r = c.get(s->job.id);
    REQUIRE_FALSE(r);
    CHECK(r.error_value().kind == jfc::error_kind::unreachable);
  }
  CHECK(c.breaker().state == jfc::breaker_state::open);
  CHECK(c.breaker().consecutive_failures == 3);

  // Open: it fails fast, with a clear error, without trying.
  const auto started = std::chrono::steady_clock::now();
  auto fast = c.get(s->job.id);
  REQUIRE_FALSE(fast);
  CHECK(fast.error_value().kind == jfc::error_kind::circuit_open);
  CHECK(fast.error_value().message.find("circuit breaker is open") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < 50ms);
  CHECK(c.breaker().rejected == 1);

  // After the cool-down one probe goes; the server is still down, so it
  // opens again for another cool-down.
  REQUIRE(e2e::eventually([&] { return c.breaker().retry_in == 0ms; }, 2s));
  auto probe = c.get(s->job.id);
  REQUIRE_FALSE(probe);
  CHECK(probe.error_value().kind == jfc::error_kind::unreachable);
  CHECK(c.breaker().probes == 1);
  CHECK(c.breaker().times_opened == 2);
  CHECK(c.breaker().state == jfc::breaker_state::open);

  // Back at the same address: the next probe succeeds and closes it.
  server.start();
  REQUIRE(e2e::eventually([&] { return c.breaker().retry_in == 0ms; }, 2s));
  auto back = c.get(s->job.id);
  INFO((back ? std::string("ok") : back.error_value().message));
  REQUIRE(back);
  CHECK(back->id == s->job.id);
  CHECK(c.breaker().state == jfc::breaker_state::closed);
  CHECK(c.breaker().consecutive_failures == 0);
}

TEST_CASE(
    "client: with a fallback, execute_sync runs the job in process while the server is down") {
  std::atomic<int> local_runs{0};
  auto o = test_options("http://127.0.0.1:" + std::to_string(e2e::free_loopback_port()));
  o.breaker = {1, 60s};
  o.max_attempts = 1;
  o.fallback = jfc::make_runtime_fallback([&](jobforge::job_type_registry& types) {
    jobforge::job_type greet;
    greet.name = "greet";
    greet.schema = json::parse(R"({"type": "object"})");
    greet.sample_payload = json::object{};
    greet.handler = [&](jobforge::handler_context&, const json::value& payload) {
      ++local_runs;
      return jobforge::handler_result::ok(
          json::object{{"greeting", "hello, " + std::string(payload.at("name").as_string())}});
    };
    REQUIRE(types.add(std::move(greet)));
  });
  jfc::client c(o);

  // Nobody listens: the connection is refused, so nothing reached a server
  // and the job runs here.
  auto first = c.execute_sync(request("greet", R"({"name": "Ada"})"), 10s);
  INFO((first ? std::string("ok") : first.error_value().message));
  REQUIRE(first);
  CHECK(first->ran_locally);
  CHECK(json::parse(first->result_json).at("greeting") == "hello, Ada");
  CHECK(c.breaker().state == jfc::breaker_state::open);

  // Open: no attempt at all, straight to the fallback.
  auto second = c.execute_sync(request("greet", R"({"name": "Grace"})"), 10s);
  REQUIRE(second);
  CHECK(second->ran_locally);
  CHECK(c.breaker().rejected >= 1);
  CHECK(local_runs == 2);

  // A type the local runtime lacks is refused, not sent anywhere.
  auto unknown = c.execute_sync(request("echo", "{}"), 5s);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error_value().kind == jfc::error_kind::rejected);

  // Without a fallback the caller is told the breaker is open.
  auto plain_options = o;
  plain_options.fallback = nullptr;
  jfc::client plain(plain_options);
  REQUIRE_FALSE(plain.execute_sync(request("greet", "{}"), 1s));
  auto refused = plain.execute_sync(request("greet", "{}"), 1s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().kind == jfc::error_kind::circuit_open);
}

namespace {

/// A proxy in front of the real server that forwards every request and,
/// for the first `drop` submissions, holds the answer back past the
/// client's read timeout: the job was made, the client never hears of it.
/// It notes the client's port of each request (one port: one connection)
/// and closes a connection idle for a second.
struct lossy_proxy {
  lossy_proxy(int upstream_port, int drop) : upstream("127.0.0.1", upstream_port), left(drop) {
    server.Post("/api/jobs", [this](const httplib::Request& req, httplib::Response& res) {
      note(req);
      ++submissions;
      auto r = upstream.Post("/api/jobs", req.body, "application/json");
      if (left-- > 0) std::this_thread::sleep_for(1500ms);  // the answer is lost
      if (!r) return;
      res.status = r->status;
      res.set_content(r->body, "application/json");
    });
    server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      note(req);
      std::string target = req.path;
      if (!req.params.empty()) target += "?" + httplib::detail::params_to_query_str(req.params);
      auto r = upstream.Get(target.c_str());
      if (!r) return;
      res.status = r->status;
      res.set_content(r->body, "application/json");
    });
    server.set_keep_alive_max_count(1'000);
    server.set_keep_alive_timeout(1);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    REQUIRE(e2e::eventually([&] { return server.is_running(); }, 5s));
  }
  ~lossy_proxy() {
    server.stop();
    thread.join();
  }
  void note(const httplib::Request& req) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
  }
  std::size_t connections() {
    std::lock_guard lock(mutex);
    return client_ports.size();
  }
  httplib::Client upstream;
  std::atomic<int> left;
  std::atomic<int> submissions{0};
  std::mutex mutex;
  std::set<int> client_ports;
  httplib::Server server;
  int port = 0;
  std::thread thread;
};

}  // namespace

TEST_CASE("client: a submission is retried only with a unique_key, and never makes a second job") {
  e2e::served_jobforge jf;
  lossy_proxy proxy(jf.port(), 1);
  auto o = test_options("http://127.0.0.1:" + std::to_string(proxy.port));
  o.read_timeout = 500ms;
  o.max_attempts = 3;
  jfc::client c(o);

  auto keyed = request("echo", R"({"charge": 10})");
  keyed.unique_key = "payment-7";
  auto s = c.submit(keyed);
  INFO((s ? std::string("ok") : s.error_value().message));
  REQUIRE(s);
  CHECK(proxy.submissions == 2);  // the lost answer, then the retry
  CHECK_FALSE(s->created);        // the retry found the first job
  auto all = jf.get("/api/jobs?type=echo").object().at("items").as_array();
  CHECK(all.size() == 1);

  // Without a key the lost answer is an error: no retry, so no second job.
  proxy.left = 1;
  auto once = c.submit(request("echo", R"({"charge": 20})"));
  REQUIRE_FALSE(once);
  CHECK(once.error_value().kind == jfc::error_kind::unreachable);
  CHECK(proxy.submissions == 3);
  REQUIRE(e2e::eventually(
      [&] { return jf.get("/api/jobs?type=echo").object().at("items").as_array().size() == 2; },
      5s));
}

TEST_CASE("client: on_done is called for a job that ends while the server restarts") {
  e2e::temp_dir data;
  server_on_port server(e2e::free_loopback_port(), data.file("data"));
  auto o = test_options(server.url());
  o.breaker = {1000, 1s};
  jfc::client c(o);
  auto delayed = request("echo", R"({"after": "restart"})");
  delayed.run_in_ms = 1500;
  auto s = c.submit(delayed);
  REQUIRE(s);
  std::promise<jfc::job> done;
  c.on_done(s->job.id, [&](const jfc::job& j) { done.set_value(j); });
  server.kill();
  server.start();  // the job is resumed from the SQLite file and runs
  auto f = done.get_future();
  REQUIRE(f.wait_for(20s) == std::future_status::ready);
  CHECK(f.get().status == "completed");
}

TEST_CASE("client: a standby's 503 sends the calls on to the leader it names") {
  e2e::served_jobforge leader;
  const std::string leader_url = "http://127.0.0.1:" + std::to_string(leader.port());
  jobforge::standby_server standby(jobforge::standby_server_options{});
  auto port = standby.start();
  REQUIRE(port);
  standby.set_leader(jobforge::leader_hint{leader_url, "leader-host", 1, ""});

  std::vector<std::string> notices;
  auto o = test_options("http://127.0.0.1:" + std::to_string(*port));
  o.on_notice = [&](const std::string& line) { notices.push_back(line); };
  jfc::client c(o);
  auto s = c.submit(request("echo", R"({"via": "standby"})"));
  REQUIRE(s);
  CHECK(c.current_url() == leader_url);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("is a standby; sending the request to the leader " + leader_url) !=
        std::string::npos);
  CHECK(leader.get("/api/jobs/" + s->job.id).status == 200);
  auto done = c.wait(s->job.id, 10s);  // stays with the leader
  REQUIRE(done);
  CHECK(done->status == "completed");
  CHECK(notices.size() == 1);
}

TEST_CASE("client: HTTPS verified with a CA certificate, a stranger's CA refused", "[tls]") {
  e2e::temp_dir dir;
  const auto cert = e2e::make_certificate(dir, "server");
  const auto stranger = e2e::make_certificate(dir, "stranger");
  const int port = e2e::free_loopback_port();
  e2e::child_process server(
      {JOBFORGE_BINARY, "serve", "--host", "127.0.0.1", "--port", std::to_string(port),
       "--data-dir", dir.file("data"), "--store", "memory", "--executors", "2"},
      {"JOBFORGE_TLS_CERT=" + cert.cert, "JOBFORGE_TLS_KEY=" + cert.key});
  auto o = test_options("https://127.0.0.1:" + std::to_string(port));
  o.ca_cert = cert.cert;
  jfc::client c(o);
  REQUIRE(e2e::eventually([&] { return c.list().has_value(); }, 15s));
  auto sync = c.execute_sync(request("echo", R"({"over": "tls"})"), 10s);
  REQUIRE(sync);
  CHECK(json::parse(sync->result_json) == json::parse(R"({"over": "tls"})"));

  o.ca_cert = stranger.cert;
  jfc::client doubtful(o);
  auto refused = doubtful.list();
  REQUIRE_FALSE(refused);
  CHECK(refused.error_value().kind == jfc::error_kind::unreachable);

  o.ca_cert = dir.file("missing.pem");
  CHECK_THROWS_AS(jfc::client(o), std::invalid_argument);
}

TEST_CASE("client: calls one after another share one kept-alive connection") {
  e2e::served_jobforge jf;
  lossy_proxy proxy(jf.port(), 0);
  jfc::client c(test_options("http://127.0.0.1:" + std::to_string(proxy.port)));
  auto s = c.submit(request("echo", R"({"pooled": true})"));
  REQUIRE(s);
  for (int i = 0; i < 5; ++i)
    REQUIRE(c.get(s->job.id));
  REQUIRE(c.list());
  CHECK(proxy.connections() == 1);

  // The proxy closes the idle connection after a second: the pooled one is
  // dead, and a submission (never retried without a key) still goes
  // through, on a new connection.
  std::this_thread::sleep_for(1500ms);
  auto after = c.submit(request("echo", R"({"pooled": "again"})"));
  INFO((after ? std::string("ok") : after.error_value().message));
  REQUIRE(after);
  CHECK(proxy.connections() == 2);
  CHECK(c.breaker().failures == 0);
}

TEST_CASE("client: on_done's event stream reconnects with Last-Event-ID") {
  // A stand-in server: its event stream ends after one event each time, so
  // the client reconnects; the job ends once the second stream is open.
  std::mutex m;
  std::vector<std::string> last_ids;  // the header of each stream request
  std::atomic<bool> finished{false};
  httplib::Server fake;
  fake.Get("/api/events", [&](const httplib::Request& req, httplib::Response& res) {
    std::size_t n = 0;
    {
      std::lock_guard lock(m);
      last_ids.push_back(req.get_header_value("Last-Event-ID"));
      n = last_ids.size();
    }
    if (n >= 2) finished = true;
    res.set_chunked_content_provider("text/event-stream", [n](std::size_t,
                                                              httplib::DataSink& sink) {
      const std::string e = n == 1 ? "id: 7\nevent: progress\ndata: {\"job_id\": \"j-1\"}\n\n"
                                   : "id: 8\nevent: status\ndata: {\"job_id\": \"j-1\", \"to\": "
                                     "\"completed\"}\n\n";
      sink.write(e.data(), e.size());
      sink.done();
      return true;
    });
  });
  fake.Get("/api/jobs/j-1", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(finished ? R"({"id": "j-1", "status": "completed"})"
                             : R"({"id": "j-1", "status": "running"})",
                    "application/json");
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { fake.listen_after_bind(); });
  REQUIRE(e2e::eventually([&] { return fake.is_running(); }, 5s));

  {
    jfc::client c(test_options("http://127.0.0.1:" + std::to_string(port)));
    std::promise<jfc::job> done;
    c.on_done("j-1", [&](const jfc::job& j) { done.set_value(j); });
    auto f = done.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get().status == "completed");
  }
  fake.stop();
  serving.join();
  std::lock_guard lock(m);
  REQUIRE(last_ids.size() >= 2);
  CHECK(last_ids[0].empty());
  CHECK(last_ids[1] == "7");
}

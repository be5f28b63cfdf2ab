// GET /api/events against the real server: a job's transitions in order,
// filters, resumption with Last-Event-ID, keep-alives, a stream without job
// events, and a client that never reads does not hold anything up.

#include "served_jobforge.hpp"
#include "sse_reader.hpp"

#include <sys/socket.h>

#include <atomic>
#include <thread>

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using e2e::submit;
using namespace std::chrono_literals;

using e2e::read_events;
using e2e::sse_event;

namespace {

bool saw_status(const std::vector<sse_event>& events, const char* to) {
  return std::any_of(events.begin(), events.end(), [&](const sse_event& e) {
    return e.name == "status" && e.data.at("to") == to;
  });
}

}  // namespace

TEST_CASE("the event stream shows a job's transitions in order") {
  served_jobforge jf;
  const auto id = submit(jf, json::object{{"type", "fail"},
                                          {"payload", {{"times", 1}, {"kind", "transient"}}},
                                          {"retry", {{"initial_backoff_ms", 100}, {"jitter", 0}}}});
  // From the start of the recent events: nothing of this job is missed.
  const auto events = read_events(jf.port(), "/api/events?job_id=" + id + "&last_event_id=0",
                                  [](const auto& seen) { return saw_status(seen, "completed"); });
  std::vector<std::string> path;
  std::uint64_t last_id = 0;
  for (const auto& e : events) {
    CHECK(e.data.at("job_id") == json::value(id));
    CHECK(e.id > last_id);
    last_id = e.id;
    if (e.name == "status") path.emplace_back(e.data.at("to").as_string());
  }
  CHECK(path == std::vector<std::string>{"pending", "running", "retrying", "pending", "running",
                                         "completed"});
}

TEST_CASE("the event stream filters by type and resumes after Last-Event-ID") {
  served_jobforge jf;
  const auto noop = submit(jf, json::object{{"type", "noop"}, {"payload", json::object{}}});
  const auto echo = submit(jf, json::object{{"type", "echo"}, {"payload", {{"x", 1}}}});
  REQUIRE(
      e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + echo)) == "completed"; }, 5s));
  const auto echoes = read_events(jf.port(), "/api/events?type=echo&last_event_id=0",
                                  [](const auto& seen) { return saw_status(seen, "completed"); });
  REQUIRE_FALSE(echoes.empty());
  for (const auto& e : echoes)
    CHECK(e.data.at("type") == "echo");

  // Resuming after the echo's "running" event gives only what came after it.
  std::uint64_t running_id = 0;
  for (const auto& e : echoes)
    if (e.data.at("to") == "running") running_id = e.id;
  REQUIRE(running_id > 0);
  httplib::Headers headers{{"Last-Event-ID", std::to_string(running_id)}};
  httplib::Client client("127.0.0.1", jf.port());
  client.set_read_timeout(5s);
  std::string text;
  client.Get("/api/events?type=echo", headers, [&](const char* data, std::size_t size) {
    text.append(data, size);
    return text.find("\"completed\"") == std::string::npos;
  });
  CHECK(text.find("\"to\":\"running\"") == std::string::npos);
  CHECK(text.find("\"completed\"") != std::string::npos);
  CHECK(jf.get("/api/events?type=nope").status == 404);
  CHECK(jf.get("/api/events?job_id=bad").status == 400);
  CHECK(jf.get("/api/events?last_event_id=-1").status == 400);
  (void)noop;
}

TEST_CASE("a stream with jobs=false gets the figures and no job's events, and where to resume") {
  served_jobforge jf;
  std::atomic<bool> reading{true};
  std::thread work([&] {
    for (int i = 0; i < 60 && reading; ++i) {
      jf.post("/api/jobs", json::object{{"type", "echo"}, {"payload", {{"i", i}}}});
      std::this_thread::sleep_for(100ms);
    }
  });
  // From the start of the recent events: the replay leaves job events out too.
  const auto count_stats = [](const std::vector<sse_event>& seen) {
    return std::count_if(seen.begin(), seen.end(), [](const auto& e) { return e.name == "stats"; });
  };
  const auto figures = read_events(jf.port(), "/api/events?stats=true&jobs=false&last_event_id=0",
                                   [&](const auto& seen) { return count_stats(seen) >= 3; });
  reading = false;
  work.join();
  REQUIRE(count_stats(figures) >= 3);
  for (const auto& e : figures)
    CHECK(e.name == "stats");
  // Jobs ran meanwhile, so the figures name the latest event: a resume point.
  const auto position = figures.back().id;
  REQUIRE(position > 0);
  CHECK(figures.back().data.at("jobs").at("completed").to_number<int>() >= 1);

  // Resuming there with job events: the very next event first, none before.
  const auto later = submit(jf, json::object{{"type", "echo"}, {"payload", {{"later", true}}}});
  const auto resumed = read_events(
      jf.port(), "/api/events?last_event_id=" + std::to_string(position), [&](const auto& seen) {
        return std::any_of(seen.begin(), seen.end(), [&](const sse_event& e) {
          return e.name == "status" && e.data.at("job_id") == json::value(later) &&
                 e.data.at("to") == "completed";
        });
      });
  REQUIRE_FALSE(resumed.empty());
  CHECK(resumed.front().id == position + 1);
  for (std::size_t i = 1; i < resumed.size(); ++i)
    CHECK(resumed[i].id == resumed[i - 1].id + 1);

  for (const char* bad : {"?jobs=no", "?jobs=", "?jobs=false&type=echo",
                          "?jobs=false&job_id=00000000-0000-4000-8000-000000000000"}) {
    INFO(bad);
    const auto refused = jf.get(std::string("/api/events") + bad);
    CHECK(refused.status == 400);
    CHECK(refused.error_code() == "invalid_argument");
  }
}

TEST_CASE("an idle event stream gets keep-alive comments") {
  served_jobforge jf({}, std::nullopt, {"JOBFORGE_SSE_KEEP_ALIVE_MS=200"});
  std::string raw;
  httplib::Client client("127.0.0.1", jf.port());
  client.set_read_timeout(5s);
  const auto started = std::chrono::steady_clock::now();
  client.Get("/api/events", [&](const char* data, std::size_t size) {
    raw.append(data, size);
    return raw.find(": keep-alive") == std::string::npos;
  });
  CHECK(raw.find(": keep-alive") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("a client that never reads its event stream holds nothing up") {
  served_jobforge jf;
  // A raw connection that asks for the stream and then never reads.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(jf.port()));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string ask = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, ask.data(), ask.size(), 0) == static_cast<ssize_t>(ask.size()));

  json::array jobs;
  for (int i = 0; i < 1000; ++i)
    jobs.push_back(json::object{{"type", "echo"}, {"payload", {{"text", std::string(200, 'x')}}}});
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    auto r = jf.post("/api/jobs/batch", json::object{{"jobs", jobs}});
    REQUIRE(r.status == 201);
    ids.emplace_back(r.object().at("jobs").as_array().back().at("id").as_string());
  }
  for (const auto& id : ids)
    CHECK(
        e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + id)) == "completed"; }, 20s));
  CHECK(jf.get("/health").status == 200);
  ::close(fd);
}

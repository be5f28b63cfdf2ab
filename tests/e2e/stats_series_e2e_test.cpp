// GET /api/stats/series and the `event: stats` of GET /api/events?stats=true
// against the real binary: completed and failed jobs show in their seconds,
// wait and run times in their windows, failed attempts in the top errors;
// admins only. And streams narrowed to several jobs or types at once.

#include "keyed_server.hpp"
#include "sse_reader.hpp"

#include "model/time.hpp"

#include <numeric>
#include <thread>

namespace json = boost::json;
using e2e::keyed_server;
using e2e::role;
using e2e::served_jobforge;
using e2e::submit;
using namespace std::chrono_literals;

namespace {

std::uint64_t sum_of(const json::value& counts) {
  std::uint64_t total = 0;
  for (const auto& n : counts.as_array())
    total += n.to_number<std::uint64_t>();
  return total;
}

}  // namespace

TEST_CASE("GET /api/stats/series: the last 15 minutes second by second, from memory",
          "[dashboard][stats]") {
  served_jobforge jf;
  for (int i = 0; i < 3; ++i)
    REQUIRE(jf.post("/api/jobs?wait=10", json::object{{"type", "echo"}, {"payload", {{"i", i}}}})
                .status == 201);
  auto failed =
      jf.post("/api/jobs?wait=10",
              json::object{{"type", "fail"}, {"payload", {{"times", 9}, {"kind", "permanent"}}}});
  REQUIRE(failed.object().at("status") == "failed");

  auto r = jf.get("/api/stats/series");
  REQUIRE(r.status == 200);
  const auto& s = r.object();
  CHECK(s.at("step_ms") == 1000);
  CHECK(s.at("completed").as_array().size() == 900);
  CHECK(s.at("failed").as_array().size() == 900);
  CHECK(sum_of(s.at("completed")) == 3);
  CHECK(sum_of(s.at("failed")) == 1);
  // `from` is the first second; `now` lies in the last one.
  const auto from = jobforge::parse_rfc3339(std::string(s.at("from").as_string()));
  const auto now = jobforge::parse_rfc3339(std::string(s.at("now").as_string()));
  REQUIRE(from);
  REQUIRE(now);
  CHECK(*now - *from >= 899s);
  CHECK(*now - *from < 900s);

  const auto& latency = s.at("latency").as_object();
  CHECK(latency.at("step_ms") == 10000);
  CHECK(latency.at("windows").as_array().size() >= 90);
  const auto& minute = s.at("last_minute").as_object();
  CHECK(minute.at("wait_ms").at("count") == 4);
  CHECK(minute.at("run_ms").at("count") == 4);
  CHECK(minute.at("run_ms").at("p95").as_double() >= minute.at("run_ms").at("p50").as_double());

  const auto& errors = s.at("top_errors").as_array();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("type") == "fail");
  CHECK(errors[0].at("code") == "deliberate");
  CHECK(errors[0].at("count").to_number<int>() >= 1);

  auto short_span = jf.get("/api/stats/series?seconds=60");
  REQUIRE(short_span.status == 200);
  CHECK(short_span.object().at("completed").as_array().size() == 60);
  CHECK(sum_of(short_span.object().at("completed")) == 3);
  for (const char* bad : {"?seconds=5", "?seconds=901", "?seconds=x", "?window=1"}) {
    INFO(bad);
    auto refused = jf.get(std::string("/api/stats/series") + bad);
    CHECK(refused.status == 400);
    CHECK(refused.error_code() == "invalid_argument");
  }
  // The per-type table's throughput.
  auto stats = jf.get("/api/stats");
  CHECK(stats.object().at("types").at("echo").at("completed_per_second_1m").as_double() ==
        Approx(3.0 / 60));
}

TEST_CASE("stats events: at most one a second, to admins who asked for them",
          "[dashboard][stats][auth]") {
  keyed_server s;
  const auto admin = e2e::key_of("acme", role::admin);
  // Jobs complete while the stream is read: stats events follow.
  std::thread work([&] {
    for (int i = 0; i < 12; ++i) {
      s.submit_for("globex", {{"type", "echo"}, {"payload", {{"i", i}}}}, "?wait=10");
      std::this_thread::sleep_for(200ms);
    }
  });
  const auto started = e2e::clock_type::now();
  std::string text;
  int stats_events = 0;
  {
    httplib::Client c("127.0.0.1", s.jf().port());
    c.set_read_timeout(10s);
    c.Get("/api/events?stats=true", {{"Authorization", "Bearer " + admin}},
          [&](const char* data, std::size_t n) {
            text.append(data, n);
            stats_events = 0;
            for (auto at = text.find("event: stats"); at != std::string::npos;
                 at = text.find("event: stats", at + 1))
              ++stats_events;
            return stats_events < 3 && e2e::clock_type::now() - started < 10s;
          });
  }
  const auto took = e2e::clock_type::now() - started;
  work.join();
  REQUIRE(stats_events >= 3);
  CHECK(took >= 1500ms);  // three of them: coalesced to one a second at most
  const auto at = text.find("event: stats\ndata: ");
  REQUIRE(at != std::string::npos);
  const auto line_end = text.find('\n', at + 19);
  const auto data = json::parse(text.substr(at + 19, line_end - at - 19)).as_object();
  CHECK(data.at("completed").as_array().size() == 5);
  CHECK(data.at("step_ms") == 1000);
  CHECK(data.contains("from"));
  CHECK(data.at("queue").at("by_priority").as_object().size() == 4);
  CHECK(data.at("executors").at("total") == 4);
  CHECK(data.at("jobs").at("completed").to_number<int>() >= 1);
  CHECK(data.at("last_minute").at("run_ms").at("count").to_number<int>() >= 1);
  // A stats event has no id: it is never replayed after Last-Event-ID.
  CHECK((at == 0 || text.substr(at - 2, 2) == "\n\n"));

  // Without ?stats=true, no stats events; non-admins may not ask for them.
  const auto plain =
      e2e::read_stream_as(s.jf().port(), "/api/events", admin, "event: stats", 2500ms);
  CHECK(plain.find("event: stats") == std::string::npos);
  for (auto r : {role::viewer, role::operator_}) {
    CHECK(s.stream_status("/api/events?stats=true", "Bearer " + e2e::key_of("acme", r)) == 403);
    CHECK(s.stream_status("/api/events?stats=false", "Bearer " + e2e::key_of("acme", r)) == 200);
    // Leaving the jobs out needs no role: it only narrows what one may see.
    CHECK(s.stream_status("/api/events?jobs=false", "Bearer " + e2e::key_of("acme", r)) == 200);
  }
  CHECK(s.stream_status("/api/events?stats=yes", "Bearer " + admin) == 400);
  // The series itself is an admin's, like GET /api/stats.
  CHECK(s.as("acme", role::operator_, "GET", "/api/stats/series").status == 403);
  CHECK(s.as("acme", role::viewer, "GET", "/api/stats/series").status == 403);
  CHECK(s.send("GET", "/api/stats/series", "", std::nullopt).status == 401);
  CHECK(s.as("globex", role::admin, "GET", "/api/stats/series").status == 200);
}

TEST_CASE("an event stream follows several jobs or types at once, never another tenant's",
          "[dashboard][auth]") {
  keyed_server s;
  const auto one =
      e2e::job_id_of(s.submit_for("acme", {{"type", "echo"}, {"payload", {{"n", 1}}}}, "?wait=10"));
  const auto two =
      e2e::job_id_of(s.submit_for("acme", {{"type", "noop"}, {"payload", {{"n", 2}}}}, "?wait=10"));
  const auto three =
      e2e::job_id_of(s.submit_for("acme", {{"type", "echo"}, {"payload", {{"n", 3}}}}, "?wait=10"));
  const auto theirs = e2e::job_id_of(
      s.submit_for("globex", {{"type", "echo"}, {"payload", {{"n", 4}}}}, "?wait=10"));
  const auto viewer = e2e::key_of("acme", role::viewer);
  const auto completed = [](const std::string& id) { return id + R"(","type":)"; };

  const auto by_ids = e2e::read_stream_as(
      s.jf().port(), "/api/events?last_event_id=0&job_id=" + one + "," + two + "," + theirs, viewer,
      "event: status\ndata: {\"job_id\":\"" + two + "\",\"type\":\"noop\",\"from\":\"running\"");
  CHECK(by_ids.find(completed(one)) != std::string::npos);
  CHECK(by_ids.find(completed(two)) != std::string::npos);
  CHECK(by_ids.find(three) == std::string::npos);
  CHECK(by_ids.find(theirs) == std::string::npos);  // named, but another tenant's

  const auto by_types =
      e2e::read_stream_as(s.jf().port(), "/api/events?last_event_id=0&type=noop,echo", viewer,
                          completed(three) + "\"echo\",\"from\":\"running\"");
  CHECK(by_types.find(completed(one)) != std::string::npos);
  CHECK(by_types.find(completed(two)) != std::string::npos);
  CHECK(by_types.find(theirs) == std::string::npos);

  CHECK(s.stream_status("/api/events?job_id=" + one + ",", "Bearer " + viewer) == 400);
  CHECK(s.stream_status("/api/events?job_id=" + one + ",nope", "Bearer " + viewer) == 400);
  CHECK(s.stream_status("/api/events?type=echo,nope", "Bearer " + viewer) == 404);
}

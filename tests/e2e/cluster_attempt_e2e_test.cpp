// A remote attempt seen from the coordinator, with real processes on
// loopback: its handler's log lines are in the coordinator's log (job id,
// type, attempt and node), its progress carries an ETA, and a worker node
// that speaks another protocol version is refused with both versions
// named in both logs.
#include "cluster_fixture.hpp"

using namespace e2e;
using namespace e2e::cluster;

TEST_CASE("a remote handler's log line is in the coordinator's log with its job and node",
          "[e2e][cluster][log]") {
  coordinator c;
  auto w = start_worker(c, "logger", "fail", 1);
  REQUIRE(c.wait_up("logger"));
  // `fail` logs a warning for each deliberate failure: here attempt 1's.
  const auto id =
      submit(c.jf, json::object{{"type", "fail"},
                                {"payload", {{"times", 1}, {"kind", "transient"}}},
                                {"retry", {{"initial_backoff_ms", 50}, {"jitter", 0}}}});
  REQUIRE(wait_terminal(c.jf, {id}, 10s));
  CHECK(fetch(c.jf, id).at("status").as_string() == "completed");
  const std::string line = "job=" + id + " type=fail attempt=1 node=logger failing on purpose";
  INFO("coordinator log:\n" << c.jf.process().log());
  REQUIRE(eventually([&] { return c.jf.process().log().find(line) != std::string::npos; }, 5s));
  // The node keeps its own copy (it names no node: it is the node's).
  CHECK(w->log().find("job=" + id + " type=fail attempt=1 failing on purpose") !=
        std::string::npos);
  // The successful attempt 2 logged nothing.
  CHECK(c.jf.process().log().find("job=" + id + " type=fail attempt=2") == std::string::npos);
}

TEST_CASE("a remote attempt's progress carries a sane ETA", "[e2e][cluster][progress]") {
  coordinator c;
  auto w = start_worker(c, "steps", "progress", 1);
  REQUIRE(c.wait_up("steps"));
  // 10 steps of 300 ms: 3 s in all.
  const auto id = submit(
      c.jf, json::object{{"type", "progress"}, {"payload", {{"steps", 10}, {"step_ms", 300}}}});
  std::optional<json::object> midway;
  REQUIRE(eventually(
      [&] {
        const auto j = fetch(c.jf, id);
        const auto* p = j.if_contains("progress");
        if (!p || !p->is_object()) return false;
        const double percent = p->at("percent").to_number<double>();
        if (percent < 30 || percent > 70) return false;
        midway = p->as_object();
        return true;
      },
      10s));
  INFO(json::serialize(*midway));
  const double percent = midway->at("percent").to_number<double>();
  REQUIRE(midway->contains("eta_ms"));
  const auto eta = midway->at("eta_ms").to_number<std::int64_t>();
  // What is left of 3 s at that point, give or take the loaded machine.
  const double left_ms = 3000.0 * (100.0 - percent) / 100.0;
  CHECK(eta > 0.5 * left_ms);
  CHECK(eta < 2.0 * left_ms + 500);
  REQUIRE(wait_terminal(c.jf, {id}, 10s));
  const auto done = fetch(c.jf, id);
  CHECK(done.at("status").as_string() == "completed");
  CHECK(done.at("progress").at("eta_ms").as_int64() == 0);
}

TEST_CASE("a worker node speaking another protocol version is refused: both logs name both",
          "[e2e][cluster]") {
  coordinator c;
  // The test-only override of the version a worker announces.
  auto odd = start_worker(c, "odd", "", 1, {"JOBFORGE_TEST_CLUSTER_PROTOCOL=99"});
  REQUIRE(
      eventually([&] { return odd->log().find("this node speaks 99") != std::string::npos; }, 10s));
  const auto worker_log = odd->log();
  INFO("worker log:\n" << worker_log);
  CHECK(worker_log.find("refused the join: it speaks cluster protocol ") != std::string::npos);
  const auto coordinator_log = c.jf.process().log();
  INFO("coordinator log:\n" << coordinator_log);
  CHECK(coordinator_log.find("refused node odd: it speaks cluster protocol 99, this coordinator "
                             "speaks ") != std::string::npos);
  CHECK_FALSE(c.node("odd"));
  CHECK(odd->running());  // it keeps trying, with backoff
}

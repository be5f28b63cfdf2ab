// A remote attempt behaves as a local one, on the simulated runtime: its
// handler's log lines reach the coordinator's log (the node named, a stale
// lease's dropped, a chatty handler bounded), a handler that ignores its
// stop after a timeout is abandoned and its executor replaced on the node,
// and progress carries an ETA.
#include "log_capture.hpp"
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

// Logs `lines` lines at once ("line 1", ...), sleeps `ms`, then logs "done".
job_type chatty_type() {
  job_type t;
  t.name = "chatty";
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.sample_payload = boost::json::parse(R"({"lines": 1, "ms": 0})");
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    const auto& p = payload.as_object();
    const auto lines = p.at("lines").to_number<int>();
    for (int i = 1; i <= lines; ++i)
      ctx.logger().info("line " + std::to_string(i));
    if (const auto* big = p.if_contains("big"); big && big->as_bool())
      ctx.logger().warn(std::string(10'000, 'x'));
    (void)ctx.sleep_for(milliseconds{p.at("ms").to_number<std::int64_t>()});
    ctx.logger().info("done");
    return handler_result::ok();
  };
  return t;
}

job_type_registry test_registry() {
  return demo_registry([](job_type_registry& types) {
    REQUIRE(types.add(chatty_type()));
    REQUIRE(types.add(stubborn_type()));
  });
}

std::string prefix(const job& j, int attempt, const std::string& node) {
  return "job=" + to_string(j.id) + " type=" + j.type + " attempt=" + std::to_string(attempt) +
         " node=" + node + " ";
}

}  // namespace

TEST_CASE("a remote handler's log lines reach the coordinator's log: a stale lease's are dropped",
          "[runtime][cluster][log]") {
  log_capture logs;
  testing::simulated_runtime rt(test_registry(), coordinator_only());
  rt.join_node("talker", 41, {}, 1);
  auto r = request("chatty", R"({"lines": 1, "ms": 1000})");
  r.max_attempts = 3;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(300ms);
  CHECK(logs.lines_with({"info " + prefix(j, 1, "talker") + "line 1"}).size() == 1);

  // Cut off before its "done": that line comes with a lease no longer
  // current, and is dropped and counted like the outcome after it.
  rt.lose_node("talker", 41);
  rt.advance(1s);
  CHECK(logs.lines_with({prefix(j, 1, "talker") + "done"}).empty());
  CHECK(logs.lines_with({"lease no longer current"}).size() == 2);
  CHECK(rt.cluster_counts().stale_reports == 2);

  rt.join_node("spare", 42, {}, 1);
  rt.advance(1100ms);
  REQUIRE(fetch(rt, j.id).status == job_status::completed);
  CHECK(logs.lines_with({"info " + prefix(j, 2, "spare") + "line 1"}).size() == 1);
  CHECK(logs.lines_with({"info " + prefix(j, 2, "spare") + "done"}).size() == 1);
  CHECK(rt.cluster_counts().stale_reports == 2);
}

TEST_CASE("a local attempt's log lines are written once, without a node", "[runtime][log]") {
  log_capture logs;
  runtime_config config;
  config.executors = 1;
  testing::simulated_runtime rt(test_registry(), config);
  const job j = submit_ok(rt, request("chatty", R"({"lines": 1, "ms": 0})"));
  rt.advance(10ms);
  REQUIRE(fetch(rt, j.id).status == job_status::completed);
  const auto lines = logs.lines_with({"job=" + to_string(j.id), "line 1"});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "info job=" + to_string(j.id) + " type=chatty attempt=1 line 1");
}

TEST_CASE("a chatty remote handler's lines are bounded, and the coordinator says how many stayed",
          "[runtime][cluster][log]") {
  log_capture logs;
  testing::simulated_runtime rt(test_registry(), coordinator_only());
  rt.join_node("talker", 43, {}, 2);
  // 250 at once: a burst of 100 goes, 150 wait; 2 s later "done" goes and
  // tells of the 150 before it.
  const job burst = submit_ok(rt, request("chatty", R"({"lines": 250, "ms": 2000, "big": true})"));
  // 150 and no sleep: the end of the attempt tells of the 51 left ("done" too).
  const job tail = submit_ok(rt, request("chatty", R"({"lines": 150, "ms": 0})"));
  rt.advance(3s);
  REQUIRE(fetch(rt, burst.id).status == job_status::completed);
  REQUIRE(fetch(rt, tail.id).status == job_status::completed);

  const auto of_burst = prefix(burst, 1, "talker");
  CHECK(logs.lines_with({of_burst + "line "}).size() == 100);
  CHECK(logs.lines_with({of_burst + "line 100"}).size() == 1);
  CHECK(logs.lines_with({of_burst + "line 101"}).empty());
  CHECK(logs.lines_with({"warning " + of_burst +
                         "151 log lines of this attempt were over the "
                         "forwarding limit"})
            .size() == 1);
  CHECK(logs.lines_with({of_burst + "done"}).size() == 1);

  const auto of_tail = prefix(tail, 1, "talker");
  CHECK(logs.lines_with({of_tail + "line "}).size() == 100);
  CHECK(logs.lines_with({"warning " + of_tail + "51 log lines of this attempt were over"}).size() ==
        1);
  CHECK(logs.lines_with({of_tail + "done"}).empty());
}

TEST_CASE("a remote line longer than the limit is cut", "[runtime][cluster][log]") {
  log_capture logs;
  testing::simulated_runtime rt(test_registry(), coordinator_only());
  rt.join_node("talker", 44, {}, 1);
  const job j = submit_ok(rt, request("chatty", R"({"lines": 0, "ms": 0, "big": true})"));
  rt.advance(10ms);
  const auto cut = logs.lines_with({"warning " + prefix(j, 1, "talker") + "xxx"});
  REQUIRE(cut.size() == 1);
  CHECK(cut[0] ==
        "warning " + prefix(j, 1, "talker") + std::string(attempt_log_max_bytes, 'x') + " [cut]");
}

TEST_CASE(
    "a remote handler that ignores its stop after a timeout is abandoned: the node's "
    "executor is replaced",
    "[runtime][cluster][timeout]") {
  runtime_config config = coordinator_only();
  config.timeout_grace = 3s;
  testing::simulated_runtime rt(test_registry(), config);
  rt.join_node("w", 51, {}, 1);
  auto r = request("stubborn", R"({"seconds": 100})");
  r.timeout_ms = 1000;
  r.max_attempts = 1;
  const timestamp t0 = rt.now();
  const job stuck = submit_ok(rt, std::move(r));
  const job next = submit_ok(rt, request("noop"));
  CHECK(fetch(rt, next.id).status == job_status::pending);  // the node's only executor is taken

  rt.advance(3999ms);  // deadline at 1 s, grace until 4 s
  CHECK(fetch(rt, stuck.id).status == job_status::running);
  rt.advance(1ms);
  const job abandoned = fetch(rt, stuck.id);
  CHECK(abandoned.status == job_status::failed);
  REQUIRE(abandoned.last_error);
  CHECK(abandoned.last_error->kind == error_kind::timeout);
  CHECK(abandoned.last_error->code == "timeout");
  CHECK(abandoned.finished_at == t0 + 4000ms);
  CHECK(std::string(abandoned.history.back().node.view()) == "w");

  // The node's pool offered a fresh executor, on which the waiting job ran.
  const job ran = fetch(rt, next.id);
  CHECK(ran.status == job_status::completed);
  CHECK(ran.started_at == t0 + 4000ms);
  CHECK(std::string(ran.history.back().node.view()) == "w");
  const auto loads = rt.nodes();
  REQUIRE(loads.size() == 1);
  CHECK(loads[0].up);
  CHECK(loads[0].executors == 1);
  CHECK(loads[0].running == 0);
  CHECK(rt.cluster_counts().attempts_lost == 0);
}

TEST_CASE("a remote attempt's progress carries an ETA", "[runtime][cluster][progress]") {
  testing::simulated_runtime rt(test_registry(), coordinator_only());
  rt.join_node("w", 61, {}, 1);
  const job j = submit_ok(rt, request("progress", R"({"steps": 4, "step_ms": 1000})"));
  rt.advance(2500ms);
  const job half = fetch(rt, j.id);
  REQUIRE(half.status == job_status::running);
  REQUIRE(half.progress);
  CHECK(half.progress->percent == 50.0);
  // 2 s for half of it: 2 s to go.
  REQUIRE(half.progress->eta_ms);
  CHECK(*half.progress->eta_ms == 2000);
  rt.advance(2s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  REQUIRE(done.progress);
  CHECK(done.progress->eta_ms == std::optional<std::int64_t>{0});
}

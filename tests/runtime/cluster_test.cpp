// Worker nodes on the simulated runtime: executors offered as a node's run
// only the node's types, the history names the node of each attempt, and a
// node lost mid-attempt returns the job to pending (or, out of attempts,
// to the dead-letter queue), with stale reports of the lost attempt dropped.
#include "log_capture.hpp"
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> nodes_of_attempts(const job& j) {
  std::vector<std::string> out;
  for (const auto& h : j.history)
    if (h.to == job_status::running) out.push_back(std::string(h.node.view()));
  return out;
}

}  // namespace

TEST_CASE("a job runs only on a node that runs its type, which its history names",
          "[runtime][cluster]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  rt.join_node("echoes", 11, {"echo"}, 1);
  const job sleeper = submit_ok(rt, request("sleep", R"({"ms": 10})"));
  const job echo = submit_ok(rt, request("echo", R"({"hi": 1})"));
  rt.advance(100ms);
  CHECK(fetch(rt, echo.id).status == job_status::completed);
  CHECK(nodes_of_attempts(fetch(rt, echo.id)) == std::vector<std::string>{"echoes"});
  // No node runs sleep: it waits, and does not hold up the echo job.
  CHECK(fetch(rt, sleeper.id).status == job_status::pending);
  CHECK(rt.stats().ready == 1);

  rt.join_node("sleepers", 12, {"sleep"}, 1);
  rt.advance(100ms);
  const job done = fetch(rt, sleeper.id);
  CHECK(done.status == job_status::completed);
  CHECK(nodes_of_attempts(done) == std::vector<std::string>{"sleepers"});
  CHECK(rt.cluster_counts().remote_dispatches == 2);
  const auto loads = rt.nodes();
  REQUIRE(loads.size() == 2);
  CHECK(loads[0].node == "echoes");
  CHECK(loads[0].done == 1);
  CHECK(loads[1].done == 1);
}

TEST_CASE("priorities hold across the nodes of a cluster", "[runtime][cluster]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  std::vector<job_id> low, high;
  for (int i = 0; i < 3; ++i) {
    auto r = request("sleep", R"({"ms": 100})");
    r.priority = priority::low;
    low.push_back(submit_ok(rt, std::move(r)).id);
  }
  for (int i = 0; i < 3; ++i) {
    auto r = request("sleep", R"({"ms": 100})");
    r.priority = priority::critical;
    high.push_back(submit_ok(rt, std::move(r)).id);
  }
  rt.join_node("a", 1, {}, 2);
  rt.join_node("b", 2, {}, 1);
  rt.run();
  for (const auto& id : high)
    CHECK(fetch(rt, id).status == job_status::running);
  for (const auto& id : low)
    CHECK(fetch(rt, id).status == job_status::pending);
  rt.advance(1s);
  for (const auto& id : low)
    CHECK(fetch(rt, id).status == job_status::completed);
}

TEST_CASE("a node lost mid-attempt returns its job to pending, to run on another node",
          "[runtime][cluster]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  rt.join_node("doomed", 21, {}, 1);
  auto r = request("sleep", R"({"ms": 1000})");
  r.max_attempts = 3;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(300ms);
  REQUIRE(fetch(rt, j.id).status == job_status::running);

  rt.lose_node("doomed", 21);
  const job back = fetch(rt, j.id);
  CHECK(back.status == job_status::pending);
  REQUIRE(back.last_error);
  CHECK(back.last_error->kind == error_kind::node_lost);
  CHECK(back.last_error->code == "node_lost");
  CHECK_THAT(back.last_error->message, Catch::Contains("doomed"));
  CHECK(std::string(back.history.back().node.view()) == "doomed");
  CHECK(rt.stats().executors == 0);

  // The lost attempt's outcome, already on its way, is a stale report.
  rt.advance(1s);
  CHECK(rt.cluster_counts().stale_reports == 1);
  CHECK(fetch(rt, j.id).status == job_status::pending);

  rt.join_node("spare", 22, {}, 1);
  rt.advance(1100ms);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(done.attempts == 2);
  CHECK(nodes_of_attempts(done) == std::vector<std::string>{"doomed", "spare"});
  CHECK(rt.cluster_counts().attempts_lost == 1);
}

TEST_CASE("a job that loses every node it runs on ends in the dead-letter queue",
          "[runtime][cluster]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  auto r = request("sleep", R"({"ms": 5000})");
  r.max_attempts = 2;
  const job j = submit_ok(rt, std::move(r));
  for (std::uint64_t session = 1; session <= 2; ++session) {
    rt.join_node("n" + std::to_string(session), session, {}, 1);
    rt.advance(100ms);
    REQUIRE(fetch(rt, j.id).status == job_status::running);
    rt.lose_node("n" + std::to_string(session), session);
  }
  const job dead = fetch(rt, j.id);
  CHECK(dead.status == job_status::failed);
  REQUIRE(dead.last_error);
  CHECK(dead.last_error->kind == error_kind::node_lost);
  CHECK(dead.attempts == 2);
  // Nothing runs it again, whatever joins.
  rt.join_node("n3", 3, {}, 1);
  rt.advance(10s);
  CHECK(fetch(rt, j.id).status == job_status::failed);
}

TEST_CASE("canceling a job whose node is then lost leaves it canceled", "[runtime][cluster]") {
  runtime_config config = coordinator_only();
  config.cancel_grace = 5s;
  testing::simulated_runtime rt(demo_registry(), config);
  rt.join_node("w", 5, {}, 1);
  const job j = submit_ok(rt, request("sleep", R"({"ms": 60000})"));
  rt.advance(100ms);
  auto canceled = rt.cancel(j.id);
  rt.run();
  rt.lose_node("w", 5);
  REQUIRE(canceled.ready());
  REQUIRE(canceled.get().has_value());
  CHECK(canceled.get()->status == job_status::canceled);
  CHECK(fetch(rt, j.id).status == job_status::canceled);
}

TEST_CASE("the coordinator's own executors are offered like a node's and replaced when lost",
          "[runtime][cluster]") {
  runtime_config config;
  config.executors = 2;
  testing::simulated_runtime rt(demo_registry(), config);
  const auto loads = rt.nodes();
  REQUIRE(loads.size() == 1);
  CHECK(loads[0].session == 0);
  CHECK(loads[0].executors == 2);
  CHECK(rt.stats().idle_executors == 2);
}

namespace {

join_request joining(std::string node, std::vector<std::string> types = {"echo", "sleep"},
                     std::string token = "t0k3n") {
  join_request r;
  r.node = std::move(node);
  r.boot_id = "boot";
  r.token = std::move(token);
  r.host = "host";
  r.types = std::move(types);
  r.capacity = 2;
  return r;
}

}  // namespace

TEST_CASE("the gateway refuses another protocol version and a wrong token, telling nothing",
          "[runtime][cluster][gateway]") {
  log_capture logs;
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  auto old = joining("old");
  old.protocol_version = cluster_protocol_version + 1;
  const auto refused = rt.join(old, "t0k3n");
  CHECK_FALSE(refused.accepted);
  CHECK_THAT(refused.reason, Catch::Contains("protocol version"));
  CHECK(refused.session == 0);
  // Its reply names the coordinator's version, and the log both (the
  // node's log names both as well: tests/e2e/cluster_attempt_e2e_test.cpp).
  CHECK(refused.protocol_version == cluster_protocol_version);
  CHECK(logs.lines_with({"error cluster: refused node old: it speaks cluster protocol " +
                         std::to_string(cluster_protocol_version + 1) +
                         ", this coordinator speaks " + std::to_string(cluster_protocol_version)})
            .size() == 1);

  const auto stranger = rt.join(joining("stranger", {"echo"}, "guess"));
  CHECK_FALSE(stranger.accepted);
  CHECK(stranger.reason == "refused");
  CHECK(stranger.coordinator.empty());
  CHECK(stranger.unknown_types.empty());
  CHECK(rt.nodes().empty());
}

TEST_CASE("the gateway admits a node's known types and hands its executors to the scheduler",
          "[runtime][cluster][gateway]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  const auto reply = rt.join(joining("w1", {"echo", "no.such.type"}), "t0k3n");
  REQUIRE(reply.accepted);
  CHECK(reply.session != 0);
  CHECK(reply.coordinator == "coordinator");
  CHECK(reply.unknown_types == std::vector<std::string>{"no.such.type"});

  // An offer claiming more types than the join gets the join's.
  rt.offer_through_gateway(executor_offer{"w1", reply.session, std::nullopt, {}, {}}, 2);
  const job sleeper = submit_ok(rt, request("sleep", R"({"ms": 10})"));
  const job echo = submit_ok(rt, request("echo"));
  rt.advance(100ms);
  CHECK(fetch(rt, echo.id).status == job_status::completed);
  CHECK(fetch(rt, sleeper.id).status == job_status::pending);

  // An offer for a session that does not exist is dropped.
  rt.offer_through_gateway(executor_offer{"w1", reply.session + 1, std::nullopt, {}, {}}, 1);
  CHECK(rt.stats().executors == 2);
}

TEST_CASE("a node that joins again or whose agent ends is lost, and its attempts with it",
          "[runtime][cluster][gateway]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  const auto first = rt.join(joining("w1"), "t0k3n");
  REQUIRE(first.accepted);
  rt.offer_through_gateway(executor_offer{"w1", first.session, std::nullopt, {}, {}}, 1);
  const job j = submit_ok(rt, request("sleep", R"({"ms": 5000})"));
  rt.advance(100ms);
  REQUIRE(fetch(rt, j.id).status == job_status::running);

  // Restarted: the new session replaces the old one, whose attempt is lost.
  const auto second = rt.join(joining("w1"), "t0k3n");
  REQUIRE(second.accepted);
  CHECK(second.session != first.session);
  CHECK(fetch(rt, j.id).status == job_status::pending);
  CHECK(fetch(rt, j.id).last_error->kind == error_kind::node_lost);
  CHECK(rt.cluster_counts().nodes_lost == 1);

  rt.offer_through_gateway(executor_offer{"w1", second.session, std::nullopt, {}, {}}, 1);
  rt.advance(100ms);
  REQUIRE(fetch(rt, j.id).status == job_status::running);
  rt.drop_agent("w1");
  CHECK(fetch(rt, j.id).status == job_status::pending);
  CHECK(rt.cluster_counts().nodes_lost == 2);
  for (const auto& n : rt.nodes())
    CHECK_FALSE(n.up);
}

TEST_CASE("an agent whose session the gateway gives up is told, so that its node joins again",
          "[runtime][cluster][gateway]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  std::vector<std::string> first_told, second_told;
  const auto first =
      rt.join(joining("w1"), "t0k3n", [&](const std::string& why) { first_told.push_back(why); });
  REQUIRE(first.accepted);
  rt.run();
  CHECK(first_told.empty());

  // The node's old session is given up while its agent is still there (a
  // node that was cut off and comes back looks the same): the agent hears
  // why and ends, as the worker's loop then joins again.
  const auto second =
      rt.join(joining("w1"), "t0k3n", [&](const std::string& why) { second_told.push_back(why); });
  REQUIRE(second.accepted);
  rt.run();
  REQUIRE(first_told.size() == 1);
  CHECK_THAT(first_told[0], Catch::Contains("gave this session up") &&
                                Catch::Contains("it joined again as a new session"));
  CHECK(second_told.empty());
  CHECK(rt.cluster_counts().nodes_lost == 1);
}

TEST_CASE("a job whose node is lost keeps its turn ahead of the jobs that waited behind it",
          "[runtime][cluster]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  rt.join_node("doomed", 31, {}, 1);
  const job first = submit_ok(rt, request("sleep", R"({"ms": 1000})"));
  rt.advance(10ms);
  std::vector<job_id> behind;
  for (int i = 0; i < 3; ++i)
    behind.push_back(submit_ok(rt, request("sleep", R"({"ms": 1000})")).id);
  rt.advance(100ms);
  REQUIRE(fetch(rt, first.id).status == job_status::running);
  rt.lose_node("doomed", 31);
  rt.join_node("spare", 32, {}, 1);
  rt.run();
  CHECK(fetch(rt, first.id).status == job_status::running);
  for (const auto& id : behind)
    CHECK(fetch(rt, id).status == job_status::pending);
}

TEST_CASE("a node's attempts go out through its link and come back by lease, in batches",
          "[runtime][cluster][gateway]") {
  testing::simulated_runtime rt(demo_registry(), coordinator_only());
  const auto reply = rt.join(joining("w1", {"echo", "progress"}), "t0k3n");
  REQUIRE(reply.accepted);
  rt.offer_through_gateway(executor_offer{"w1", reply.session, std::nullopt, {}, {}}, 8);
  REQUIRE(rt.pause_type("echo").has_value());
  std::vector<job_id> ids;
  for (int i = 0; i < 8; ++i)
    ids.push_back(
        submit_ok(rt, request("echo", (R"({"n": )" + std::to_string(i) + "}").c_str())).id);
  // Dispatched together: their orders share messages, and so do their outcomes.
  REQUIRE(rt.resume_type("echo").has_value());
  rt.advance(100ms);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const job j = fetch(rt, ids[i]);
    CHECK(j.status == job_status::completed);
    // Each supervisor got its own job's outcome: echo returns the payload.
    REQUIRE(j.result.is_object());
    CHECK(j.result.at("n").as_int64() == static_cast<std::int64_t>(i));
    CHECK(nodes_of_attempts(j) == std::vector<std::string>{"w1"});
  }
  auto counts = rt.cluster_counts();
  CHECK(counts.remote_dispatches == 8);
  CHECK(counts.order_messages >= 1);
  CHECK(counts.order_messages < counts.remote_dispatches);
  CHECK(counts.outcome_messages >= 1);
  CHECK(counts.outcome_messages < counts.remote_dispatches);
  CHECK(counts.stale_reports == 0);

  // Progress reports come back through the link to their supervisor too.
  const job p = submit_ok(rt, request("progress", R"({"steps": 4, "step_ms": 50})"));
  rt.advance(1s);
  const job done = fetch(rt, p.id);
  CHECK(done.status == job_status::completed);
  REQUIRE(done.progress);
  CHECK(done.progress->percent == 100.0);
}

// A real cluster on loopback: `jobforge serve` with a cluster port and
// `jobforge worker` processes that join it. Jobs run only on nodes that
// have their type; a worker killed or hung under load loses no job; a
// worker with the wrong token is refused; workers outlive a coordinator
// restart and wait for a coordinator that is not up yet.
#include "../support/gunzip.hpp"
#include "cluster_fixture.hpp"
#include "sse_reader.hpp"

#include <random>

using namespace e2e;
using namespace e2e::cluster;

TEST_CASE("a coordinator and two worker nodes run mixed jobs, each on a node that has its type",
          "[e2e][cluster]") {
  coordinator c;
  auto a = start_worker(c, "node-a", "noop,echo,sleep,fail,progress");
  auto b = start_worker(c, "node-b", "echo,sleep");
  REQUIRE(c.wait_up("node-a"));
  REQUIRE(c.wait_up("node-b"));
  const std::map<std::string, std::set<std::string>> runs{
      {"node-a", {"noop", "echo", "sleep", "fail", "progress"}}, {"node-b", {"echo", "sleep"}}};

  std::vector<std::string> ids;
  std::map<std::string, std::string> type_of;
  const auto add = [&](const json::value& request) {
    const auto id = submit(c.jf, request);
    ids.push_back(id);
    type_of[id] = std::string(request.at("type").as_string());
    return id;
  };
  add(json::object{{"type", "noop"}, {"payload", json::object{}}});
  const std::string big(300 * 1024, 'x');
  const auto echo_id = add(json::object{{"type", "echo"}, {"payload", {{"text", big}}}});
  for (int i = 0; i < 6; ++i)
    add(sleep_job(150));
  const auto retried = add(json::object{{"type", "fail"},
                                        {"payload", {{"times", 1}, {"kind", "transient"}}},
                                        {"retry", {{"initial_backoff_ms", 50}, {"jitter", 0}}}});
  const auto progressed =
      add(json::object{{"type", "progress"}, {"payload", {{"steps", 4}, {"step_ms", 50}}}});
  const auto timed_out = add(json::object{
      {"type", "sleep"}, {"payload", {{"ms", 60000}}}, {"timeout_ms", 300}, {"max_attempts", 1}});
  const auto canceled = add(sleep_job(60000));
  REQUIRE(
      eventually([&] { return fetch(c.jf, canceled).at("status").as_string() == "running"; }, 10s));
  // The answer waits for the job to be canceled: for the handler to stop,
  // or for the 5 s grace to end. Well under it, the stop reached the node
  // (through the session's link and agent, after the order it is about).
  const auto asked = std::chrono::steady_clock::now();
  auto cancel = c.jf.post("/api/jobs/" + canceled + "/cancel", json::object{{"reason", "test"}});
  CHECK(cancel.status == 200);
  CHECK(std::chrono::steady_clock::now() - asked < 3s);

  REQUIRE(wait_terminal(c.jf, ids, 30s));
  for (const auto& id : ids) {
    const auto j = fetch(c.jf, id);
    check_valid_path(j);
    const auto nodes = attempt_nodes(j);
    INFO("job " << id << " of type " << type_of[id]);
    REQUIRE_FALSE(nodes.empty());
    for (const auto& n : nodes) {
      REQUIRE(runs.count(n) == 1);
      CHECK(runs.at(n).count(type_of[id]) == 1);
    }
    const std::string status(j.at("status").as_string());
    if (id == timed_out) {
      CHECK(status == "failed");
      CHECK(j.at("last_error").at("kind").as_string() == "timeout");
    } else if (id == canceled) {
      CHECK(status == "canceled");
    } else {
      CHECK(status == "completed");
    }
  }
  // A large result comes back from its node and is kept on the coordinator as a file.
  CHECK(fetch(c.jf, echo_id).at("result").at("stored_as_file").as_bool());
  auto download = c.jf.get_raw("/api/jobs/" + echo_id + "/result/download");
  REQUIRE(download);
  CHECK(download->status == 200);
  CHECK(json::parse(download->body).at("text").as_string().size() == big.size());
  CHECK(download->get_header_value("X-Content-SHA256").size() == 64);
  CHECK(fetch(c.jf, retried).at("attempts").as_int64() == 2);
  CHECK(fetch(c.jf, progressed).at("progress").at("percent").as_double() == 100.0);

  // The node list: both up, what they ran counted.
  auto nodes = c.jf.get("/api/cluster/nodes");
  std::uint64_t done = 0;
  for (const auto& n : nodes.object().at("items").as_array())
    if (!n.at("local").as_bool()) {
      CHECK(n.at("state").as_string() == "up");
      CHECK(n.at("capacity").as_int64() == 4);
      CHECK(n.at("last_heartbeat").is_string());
      done += n.at("jobs_done").to_number<std::uint64_t>();
    }
  CHECK(done >= ids.size());
  // A type no node runs is said to be so.
  auto types = c.jf.get("/api/job-types");
  for (const auto& t : types.object().at("items").as_array()) {
    const std::string name(t.at("name").as_string());
    const bool expected = runs.at("node-a").count(name) || runs.at("node-b").count(name);
    INFO(name);
    CHECK(t.at("runnable").as_bool() == expected);
  }
}

TEST_CASE("a worker killed under load loses no job: what it held runs on the other node",
          "[e2e][cluster]") {
  coordinator c;
  auto doomed = start_worker(c, "doomed", "sleep");
  auto spare = start_worker(c, "spare", "sleep");
  REQUIRE(c.wait_up("doomed"));
  REQUIRE(c.wait_up("spare"));
  const auto ids = load_node(c, "doomed", 24, 300, 1);
  const auto killed_at = std::chrono::system_clock::now();
  ::kill(doomed->pid(), SIGKILL);
  check_completed_once(c.jf, ids);

  int requeued = 0;
  std::int64_t slowest_detection_ms = 0;
  for (const auto& id : ids) {
    const auto j = fetch(c.jf, id);
    bool lost = false;
    for (const auto& h : j.at("history").as_array()) {
      const auto* e = h.as_object().if_contains("error");
      if (!e || !e->is_object() || e->at("kind").as_string() != "node_lost") continue;
      lost = true;
      ++requeued;
      CHECK(h.at("node").as_string() == "doomed");
      const auto at = parse_utc(h.at("at").as_string());
      slowest_detection_ms = std::max<std::int64_t>(
          slowest_detection_ms,
          std::chrono::duration_cast<std::chrono::milliseconds>(at - killed_at).count());
    }
    // What the dead node held ran again on the other one (what it had
    // finished before the kill stays finished there).
    if (lost) CHECK(attempt_nodes(j).back() == "spare");
  }
  CHECK(requeued > 0);
  // Operators see it in the metrics.
  auto metrics = c.jf.get_raw("/metrics");
  REQUIRE(metrics);
  const auto value_of = [&](const std::string& name) { return metric_value(metrics->body, name); };
  CHECK(value_of("jobforge_cluster_nodes_up") == 1);
  CHECK(value_of("jobforge_cluster_node_losses_total") == 1);
  CHECK(value_of("jobforge_cluster_attempts_lost_total") == requeued);
  CHECK(value_of("jobforge_cluster_remote_dispatches_total") >= 24 + requeued);
  CHECK(metrics->body.find("jobforge_cluster_node_running{node=\"spare\"} 0") != std::string::npos);
  // Measured: the kill is seen at once (the kernel closes the connection).
  INFO("from the kill to the requeue: " << slowest_detection_ms << " ms");
  CHECK(slowest_detection_ms < 1000);
}

TEST_CASE(
    "a hung worker is given up within 2 s: its late results never reach the coordinator, jobs end "
    "once",
    "[e2e][cluster]") {
  coordinator c;
  auto hung = start_worker(c, "hung", "sleep", 2);
  auto spare = start_worker(c, "spare", "sleep", 2);
  REQUIRE(c.wait_up("hung"));
  REQUIRE(c.wait_up("spare"));
  const auto ids = load_node(c, "hung", 4, 1200, 2);
  const auto stopped = clock_type::now();
  REQUIRE(hung->pause());
  const auto detected = wait_given_up(c, "hung", stopped);
  INFO("hang detected after " << detected.count() << " ms");
  CHECK(detected < 2s);
  // Back after its attempts would have ended: their handlers finish at once.
  std::this_thread::sleep_for(1500ms);
  ::kill(hung->pid(), SIGCONT);
  check_completed_once(c.jf, ids);
  // It joins again as a new session.
  CHECK(c.wait_up("hung"));
  // What became of its late results: the coordinator closed its side of
  // the connection at the timeout, so they never arrive (the node's TCP
  // peer is gone, and its proxies of the supervisors die with the
  // connection as it wakes): nothing is counted stale, and the node says
  // it lost its coordinator. Stale reports that do arrive are dropped by
  // lease (tests/runtime/cluster_test.cpp, in simulated time).
  INFO("worker log:\n" << hung->log());
  INFO("coordinator log:\n" << c.jf.process().log());
  CHECK(hung->log().find("lost the coordinator") != std::string::npos);
  CHECK(hung->log().find("joining again") != std::string::npos);
  CHECK(c.jf.process().log().find("lease no longer current") == std::string::npos);
  auto metrics = c.jf.get_raw("/metrics");
  REQUIRE(metrics);
  const auto value_of = [&](const std::string& name) { return metric_value(metrics->body, name); };
  CHECK(value_of("jobforge_cluster_stale_reports_total") == 0);
  CHECK(value_of("jobforge_cluster_attempts_lost_total") == 2);
}

TEST_CASE("a worker with the wrong token is refused and learns nothing", "[e2e][cluster]") {
  coordinator c({}, {"JOBFORGE_CLUSTER_TOKEN=right-token-0123456789"});
  auto stranger = start_worker(c, "stranger", "", 1, {"JOBFORGE_CLUSTER_TOKEN=wrong"});
  auto friendly =
      start_worker(c, "friendly", "", 1, {"JOBFORGE_CLUSTER_TOKEN=right-token-0123456789"});
  REQUIRE(c.wait_up("friendly"));
  REQUIRE(eventually([&] { return stranger->log().find("refused") != std::string::npos; }, 5s));
  CHECK_FALSE(c.node("stranger"));
  CHECK(stranger->log().find("friendly") == std::string::npos);
  CHECK(c.jf.process().log().find("wrong token") != std::string::npos);
}

TEST_CASE("workers wait for their coordinator, and rejoin it after a restart", "[e2e][cluster]") {
  temp_dir data;
  const int cluster_port = free_loopback_port();
  // The worker first: it retries until the coordinator is there.
  std::vector<std::string> args{JOBFORGE_BINARY, "worker",
                                "--join",        "127.0.0.1:" + std::to_string(cluster_port),
                                "--node-id",     "early"};
  child_process early(args);
  REQUIRE(early.spawned());
  std::string id;
  {
    coordinator c({}, {}, data.path().string(), cluster_port);
    REQUIRE(c.wait_up("early"));
    id = submit(c.jf, sleep_job(20));
    REQUIRE(wait_terminal(c.jf, {id}, 10s));
    CHECK(attempt_nodes(fetch(c.jf, id)) == std::vector<std::string>{"early"});
    CHECK(c.jf.process().stop_with(SIGTERM, 10s));
  }
  coordinator again({}, {}, data.path().string(), cluster_port);
  INFO("worker log:\n" << early.log());
  REQUIRE(again.wait_up("early", 15s));
  CHECK(fetch(again.jf, id).at("status").as_string() == "completed");
  const auto next = submit(again.jf, sleep_job(20));
  REQUIRE(wait_terminal(again.jf, {next}, 10s));
  CHECK(attempt_nodes(fetch(again.jf, next)) == std::vector<std::string>{"early"});
  CHECK(early.running());
}

/// Connects to 127.0.0.1:`port`, sends `bytes` and closes.
void knock(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0);
  ::close(fd);
}

std::string noise(std::mt19937& rng, std::size_t size) {
  std::string out(size, '\0');
  for (auto& ch : out)
    ch = static_cast<char>(rng());
  return out;
}

TEST_CASE("garbage on the cluster port changes nothing: the coordinator and its nodes go on",
          "[e2e][cluster]") {
  coordinator c;
  auto w = start_worker(c, "steady", "sleep", 1);
  REQUIRE(c.wait_up("steady"));
  const auto session = c.node("steady")->at("session").as_string();
  std::mt19937 rng(12345);
  for (int round = 0; round < 8; ++round) {
    auto bytes = noise(rng, 4096);
    // Not a BASP message type (handshakes are 0 and 1): what a port
    // scanner or a confused client sends. A forged BASP header is another
    // matter, see docs/cluster.md (TLS refuses it before BASP reads it).
    bytes[0] = static_cast<char>(0xF0 | round);
    knock(c.cluster_port, bytes);
  }
  const auto id = submit(c.jf, sleep_job(10));
  REQUIRE(wait_terminal(c.jf, {id}, 10s));
  CHECK(fetch(c.jf, id).at("status").as_string() == "completed");
  REQUIRE(c.node("steady"));
  CHECK(c.node("steady")->at("session").as_string() == session);
  CHECK(c.jf.process().running());
}

TEST_CASE("the event stream tells of a node joining and being lost", "[e2e][cluster]") {
  coordinator c;
  auto w = start_worker(c, "watched", "echo,sleep", 3);
  REQUIRE(c.wait_up("watched"));
  const auto session = std::string(c.node("watched")->at("session").as_string());
  ::kill(w->pid(), SIGKILL);
  REQUIRE(eventually([&] { return !c.node("watched").has_value(); }, 5s));
  const auto node_events = [](const std::vector<sse_event>& events) {
    std::vector<sse_event> out;
    for (const auto& e : events)
      if (e.name == "node") out.push_back(e);
    return out;
  };
  const auto events = read_events(
      c.jf.port(), "/api/events?last_event_id=0",
      [&](const std::vector<sse_event>& seen) { return node_events(seen).size() >= 2; });
  const auto nodes = node_events(events);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].data.at("node").as_string() == "watched");
  CHECK(nodes[0].data.at("state").as_string() == "up");
  CHECK(nodes[0].data.at("session").as_string() == session);
  CHECK(nodes[0].data.at("capacity").as_int64() == 3);
  CHECK(nodes[0].data.at("types").as_array().size() == 2);
  CHECK(nodes[1].data.at("state").as_string() == "lost");
  CHECK(nodes[1].data.at("reason").as_string().size() > 0);
  CHECK(nodes[1].id > nodes[0].id);
  // A stream about one job hears nothing of nodes.
  const auto id = submit(c.jf, json::object{{"type", "echo"}, {"payload", json::object{}}});
  const auto of_job = read_events(c.jf.port(), "/api/events?last_event_id=0&job_id=" + id,
                                  [](const std::vector<sse_event>& seen) { return !seen.empty(); });
  CHECK(node_events(of_job).empty());
}

TEST_CASE(
    "a worker's file result and large JSON result come back in chunks, kept by the coordinator",
    "[e2e][cluster]") {
  coordinator c;
  temp_dir worker_data;
  auto w = start_worker(c, "maker", "file.process,echo", 2,
                        {"JOBFORGE_DATA_DIR=" + worker_data.path().string()});
  REQUIRE(c.wait_up("maker"));
  // About 1.5 MiB of input (six chunks of gzip output at most, several of text).
  std::string text;
  for (int i = 0; text.size() < 1'500'000; ++i)
    text += "line " + std::to_string(i * 7919 % 100'003) + " of the input\n";
  const auto input = worker_data.path() / "inputs" / "big.txt";
  REQUIRE(eventually([&] { return std::filesystem::is_directory(input.parent_path()); }, 5s));
  std::ofstream(input, std::ios::binary) << text;
  const auto gzip =
      submit(c.jf, json::object{{"type", "file.process"},
                                {"payload", {{"path", "big.txt"}, {"operation", "gzip"}}}});
  const std::string big(700 * 1024, 'y');
  const auto echo = submit(c.jf, json::object{{"type", "echo"}, {"payload", {{"text", big}}}});
  REQUIRE(wait_terminal(c.jf, {gzip, echo}, 30s));

  const auto file_job = fetch(c.jf, gzip);
  INFO(json::serialize(file_job));
  REQUIRE(file_job.at("status").as_string() == "completed");
  CHECK(attempt_nodes(file_job) == std::vector<std::string>{"maker"});
  auto download = c.jf.get_raw("/api/jobs/" + gzip + "/result/download");
  REQUIRE(download);
  CHECK(download->status == 200);
  CHECK(jobforge::testing_support::gunzip_all(download->body) == text);
  // The node's output file went with the result: it keeps only the input.
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::recursive_directory_iterator(worker_data.path()))
    if (e.is_regular_file()) left.push_back(e.path().filename().string());
  CHECK(left == std::vector<std::string>{"big.txt"});

  const auto echo_job = fetch(c.jf, echo);
  REQUIRE(echo_job.at("status").as_string() == "completed");
  CHECK(echo_job.at("result").at("stored_as_file").as_bool());
  auto json_download = c.jf.get_raw("/api/jobs/" + echo + "/result/download");
  REQUIRE(json_download);
  CHECK(json::parse(json_download->body).at("text").as_string() == big);
}

TEST_CASE("a forced cancel of a remote attempt abandons its executor, and the node replaces it",
          "[e2e][cluster]") {
  coordinator c;
  auto w = start_worker(c, "forced", "sleep", 2);
  REQUIRE(c.wait_up("forced"));
  const auto id = submit(c.jf, sleep_job(60000));
  REQUIRE(eventually([&] { return fetch(c.jf, id).at("status").as_string() == "running"; }, 10s));
  auto canceled =
      c.jf.post("/api/jobs/" + id + "/cancel", json::object{{"mode", "forced"}, {"reason", "now"}});
  CHECK(canceled.status == 200);
  CHECK(fetch(c.jf, id).at("status").as_string() == "canceled");
  // The abandoned executor is killed; the node's pool offers a fresh one.
  REQUIRE(eventually(
      [&] {
        auto n = c.node("forced");
        return n && n->at("capacity").as_int64() == 2 && n->at("running").as_int64() == 0;
      },
      10s));
  const auto next = submit(c.jf, sleep_job(10));
  const auto after = submit(c.jf, sleep_job(10));
  REQUIRE(wait_terminal(c.jf, {next, after}, 10s));
  CHECK(fetch(c.jf, next).at("status").as_string() == "completed");
  CHECK(fetch(c.jf, after).at("status").as_string() == "completed");
  CHECK(count_status(fetch(c.jf, id), "completed") == 0);
}

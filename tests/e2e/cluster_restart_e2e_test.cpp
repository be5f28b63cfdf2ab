// The coordinator killed (kill -9) while worker nodes run its jobs: the
// workers stop those attempts and join the restarted coordinator, which
// recovers the jobs from its SQLite store; each completes exactly once.
#include "cluster_fixture.hpp"

using namespace e2e;
using namespace e2e::cluster;

TEST_CASE(
    "a coordinator killed under remote load restarts: its workers rejoin and every job "
    "completes once",
    "[e2e][cluster][restart]") {
  temp_dir data;
  const int cluster_port = free_loopback_port();
  auto first = std::make_unique<coordinator>(std::vector<std::string>{}, std::vector<std::string>{},
                                             data.path().string(), cluster_port);
  auto a = start_worker(*first, "a", "sleep", 2);
  auto b = start_worker(*first, "b", "sleep", 2);
  REQUIRE(first->wait_up("a"));
  REQUIRE(first->wait_up("b"));
  // Four run (two per node), two wait.
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(submit(first->jf, sleep_job(1500)));
  std::set<std::string> running;
  REQUIRE(eventually(
      [&] {
        running.clear();
        for (const auto& id : ids)
          if (fetch(first->jf, id).at("status").as_string() == "running") running.insert(id);
        return running.size() == 4;
      },
      10s));
  ::kill(first->jf.process().pid(), SIGKILL);
  REQUIRE(eventually([&] { return !first->jf.process().running(); }, 5s));
  first.reset();

  coordinator again({}, {}, data.path().string(), cluster_port);
  INFO("worker a:\n" << a->log() << "\nworker b:\n" << b->log());
  REQUIRE(again.wait_up("a", 15s));
  REQUIRE(again.wait_up("b", 15s));
  check_completed_once(again.jf, ids);
  for (const auto& id : ids) {
    const auto j = fetch(again.jf, id);
    INFO(json::serialize(j));
    for (const auto& n : attempt_nodes(j))
      CHECK((n == "a" || n == "b"));
    if (!running.count(id)) continue;
    // What ran at the kill went back to pending on recovery, and ran again.
    bool interrupted = false;
    for (const auto& h : j.at("history").as_array()) {
      const auto* e = h.as_object().if_contains("error");
      const auto& from = h.at("from");
      if (from.is_string() && from.as_string() == "running" &&
          h.at("to").as_string() == "pending" && e && e->is_object() &&
          e->at("code").as_string() == "interrupted")
        interrupted = true;
    }
    CHECK(interrupted);
    CHECK(attempt_nodes(j).size() == 2);
  }
  // Both workers saw their coordinator go and joined again, in the same process.
  CHECK(a->running());
  CHECK(b->running());
  CHECK(a->log().find("joining again") != std::string::npos);
  CHECK(b->log().find("joining again") != std::string::npos);
}

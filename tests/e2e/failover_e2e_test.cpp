// Failover of coordinators that share one PostgreSQL database: the real
// `jobforge serve --store postgres`, several at once on one scratch database
// with short leases (1 s, renewed every 200 ms) so that takeovers are quick.
// One leads; the others stand by, answer 503 naming the leader, and take
// over when it is killed, paused (and then fenced out) or stopped; the
// database may restart under them; no acknowledged job is ever lost.
//
// The kill -9 test under load prints its seed on failure;
// JOBFORGE_CRASH_SEED=N replays a run.

#include "../support/postgres_scratch.hpp"
#include "crash_workload.hpp"
#include "postgres_coordinator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

namespace json = boost::json;
namespace pg = jobforge::pg;
using e2e::child_process;
using e2e::coordinator_options;
using e2e::eventually;
using e2e::full_reply;
using e2e::postgres_coordinator;
using jobforge::testing_support::scratch_database;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

long long ms_since(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count();
}

/// The lease row as the database has it.
struct lease_row {
  std::int64_t epoch = 0;
  std::string holder, boot_id, http_address, cluster_address;
};

lease_row read_lease(pg::connection& db) {
  auto r = db.exec(
      "SELECT epoch, coalesce(holder, ''), coalesce(boot_id, ''), coalesce(http_address, ''), "
      "coalesce(cluster_address, '') FROM jobforge_leader WHERE id = 1");
  REQUIRE(r.rows() == 1);
  return {r.integer(0, 0), std::string(r.text(0, 1)), std::string(r.text(0, 2)),
          std::string(r.text(0, 3)), std::string(r.text(0, 4))};
}

/// A job's history as stored (its job_history rows, in order).
std::vector<json::object> stored_history(pg::connection& db, const std::string& id) {
  auto r = db.query("SELECT entry FROM job_history WHERE job_id = $1::uuid ORDER BY seq", {id});
  std::vector<json::object> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(json::parse(r.text(i, 0)).as_object());
  return out;
}

/// Everything stored about the jobs, as one text: equal texts, equal rows.
std::string stored_state(pg::connection& db) {
  auto jobs = db.exec(
      "SELECT count(*), coalesce(string_agg(id::text || ' ' || status || ' ' || history_length "
      "|| ' ' || md5(doc), ',' ORDER BY id), '') FROM jobs");
  auto history = db.exec(
      "SELECT count(*), coalesce(md5(string_agg(job_id::text || ' ' || seq || ' ' || entry, ',' "
      "ORDER BY job_id, seq)), '') FROM job_history");
  return std::string(jobs.text(0, 0)) + " jobs: " + std::string(jobs.text(0, 1)) + "; " +
         std::string(history.text(0, 0)) + " history rows, md5 " + std::string(history.text(0, 1));
}

/// The `to` of each history entry, in order.
std::vector<std::string> statuses_of(const std::vector<json::object>& history) {
  std::vector<std::string> out;
  for (const auto& h : history)
    out.emplace_back(h.at("to").as_string());
  return out;
}

std::vector<json::object> history_of(const json::object& job) {
  std::vector<json::object> out;
  for (const auto& h : job.at("history").as_array())
    out.push_back(h.as_object());
  return out;
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return connected;
}

const std::string unfinished_statuses = "status=scheduled,blocked,pending,running,retrying";

/// Every job on a coordinator (or those `filter` selects, a query string),
/// by id, walking the list pages.
std::map<std::string, json::object> all_jobs(postgres_coordinator& c,
                                             const std::string& filter = "") {
  std::map<std::string, json::object> out;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto r = c.request(
        "GET",
        "/api/jobs?limit=1000" + (filter.empty() ? "" : "&" + filter) +
            (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor)),
        {}, 30s);
    REQUIRE(r.status == 200);
    for (const auto& item : r.body.at("items").as_array())
      out.emplace(std::string(item.at("id").as_string()), item.as_object());
    const auto* next = r.body.as_object().if_contains("next_cursor");
    if (!next || next->is_null()) return out;
    cursor = std::string(next->as_string());
  }
  FAIL("the job list did not end");
  return out;
}

/// Whether no job on `c` is unfinished any more.
bool all_finished(postgres_coordinator& c) {
  auto r = c.get("/api/jobs?" + unfinished_statuses + "&limit=1");
  return r.status == 200 && r.body.at("items").as_array().empty();
}

/// Which of `ids` are not finished on `c`, one line each ("" when none).
std::string still_unfinished(postgres_coordinator& c, const std::vector<std::string>& ids) {
  const auto unfinished = all_jobs(c, unfinished_statuses);
  std::string problems;
  for (const auto& id : ids)
    if (auto it = unfinished.find(id); it != unfinished.end())
      problems += "job " + id + " is " + json::serialize(it->second) + "\n";
  return problems;
}

/// Which of `ids` are missing from `c` or not completed, one line each
/// ("" when every one completed).
std::string unfinished_jobs(postgres_coordinator& c, const std::vector<std::string>& ids) {
  const auto jobs = all_jobs(c);
  std::string problems;
  for (const auto& id : ids) {
    auto it = jobs.find(id);
    if (it == jobs.end())
      problems += "acknowledged job " + id + " is missing\n";
    else if (it->second.at("status") != "completed")
      problems += "job " + id + " is " + json::serialize(it->second) + "\n";
  }
  return problems;
}

json::object echo_job(const std::string& marker) {
  return json::object{{"type", "echo"}, {"payload", {{"marker", marker}}}};
}

/// The lease and margins a coordinator needs to take over after a leader
/// vanished: the rest of the lease, one poll, then recovery (with slack
/// for a loaded machine).
std::chrono::milliseconds takeover_bound(const coordinator_options& o) {
  return std::chrono::milliseconds{o.lease_ms + o.renew_ms} + 3s;
}

std::uint64_t crash_seed() {
  if (const char* text = std::getenv("JOBFORGE_CRASH_SEED"))
    return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

struct cli_run {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

cli_run run_cli(std::vector<std::string> args, const std::string& url) {
  args.insert(args.begin(), JOBFORGE_BINARY);
  args.insert(args.end(), {"--url", url});
  child_process p(args);
  const int code = e2e::run_to_end(p, 30s);
  return {code, p.log()};
}

}  // namespace

TEST_CASE(
    "failover: the first coordinator leads, a second stands by, names the leader, and "
    "opens no cluster port",
    "[e2e][postgres][failover]") {
  scratch_database db;
  auto look = db.connect();
  postgres_coordinator a(db.url());
  REQUIRE(a.wait_ready(10s));
  CHECK(a.role() != "standby");
  const int cluster_port = e2e::free_loopback_port();
  postgres_coordinator b(db.url(),
                         {1000, 200, 4, {"--cluster-port", std::to_string(cluster_port)}});
  INFO("leader log:\n" << a.log() << "\nstandby log:\n" << b.log());

  auto health = b.get("/health");
  CHECK(health.status == 200);
  CHECK(health.body == json::parse(R"({"status":"ok","role":"standby"})"));
  CHECK(b.ready_status() == 503);
  const auto lease = read_lease(look);
  CHECK(lease.epoch == 1);
  CHECK(lease.http_address == a.url());

  // It names the leader once it has read the lease (its first poll).
  REQUIRE(
      eventually([&] { return b.get("/api/jobs").header("X-Jobforge-Leader") == a.url(); }, 5s));
  auto listed = b.get("/api/jobs?limit=5");
  CHECK(listed.status == 503);
  CHECK(listed.error().at("code") == "unavailable");
  CHECK(std::string(listed.error().at("message").as_string()).find(a.url()) != std::string::npos);
  const auto error = listed.error();
  const auto& details = error.at("details").as_object();
  CHECK(details.at("role") == "standby");
  CHECK(details.at("leader") == json::value(a.url()));
  CHECK(details.at("epoch").to_number<std::int64_t>() == 1);
  CHECK(details.at("leader_holder") == json::value(lease.holder));
  CHECK(listed.header("X-Jobforge-Leader") == a.url());
  CHECK(listed.header("Location") == a.url() + "/api/jobs?limit=5");
  CHECK(listed.header("Retry-After") == "1");

  auto posted = b.post("/api/jobs", echo_job("to the standby"));
  CHECK(posted.status == 503);
  CHECK(posted.error().at("code") == "unavailable");
  CHECK(posted.header("X-Jobforge-Leader") == a.url());
  CHECK(posted.header("Location") == a.url() + "/api/jobs");
  auto deleted = b.request("DELETE", "/api/jobs/0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(deleted.status == 503);
  CHECK(deleted.header("X-Jobforge-Leader") == a.url());

  // Over several lease lengths the leader keeps its lease and the standby
  // stays one, with no cluster port open; nothing reached the store.
  const auto watch_until = steady::now() + 2500ms;
  bool stayed_standby = true;
  while (steady::now() < watch_until && stayed_standby) {
    stayed_standby =
        b.ready_status() == 503 && a.ready_status() == 200 && !accepts_connections(cluster_port);
    std::this_thread::sleep_for(100ms);
  }
  CHECK(stayed_standby);
  CHECK(read_lease(look).epoch == 1);
  CHECK(look.exec("SELECT count(*) FROM jobs").integer(0, 0) == 0);

  // Once it leads, the same process opens the cluster port it was given.
  REQUIRE(a.process().stop_with(SIGTERM, 10s));
  REQUIRE(b.wait_ready(10s));
  CHECK(b.role() != "standby");
  CHECK(eventually([&] { return accepts_connections(cluster_port); }, 5s));
  CHECK(read_lease(look).epoch == 2);
  CHECK(read_lease(look).http_address == b.url());
  CHECK(read_lease(look).cluster_address == "127.0.0.1:" + std::to_string(cluster_port));
}

TEST_CASE(
    "failover: a leader on an ephemeral cluster port records the port it bound, and standbys "
    "name it",
    "[e2e][postgres][failover]") {
  scratch_database db;
  auto look = db.connect();
  postgres_coordinator a(db.url(), {1000, 200, 4, {"--cluster-port", "0"}});
  REQUIRE(a.wait_ready(10s));
  INFO("leader log:\n" << a.log());
  // The port is known once bound, after the lease was taken: the next
  // renewal (every 200 ms) writes it.
  std::string address;
  REQUIRE(eventually(
      [&] {
        address = read_lease(look).cluster_address;
        return !address.empty();
      },
      5s));
  const std::string prefix = "127.0.0.1:";
  REQUIRE(address.rfind(prefix, 0) == 0);
  const int port = std::stoi(address.substr(prefix.size()));
  CHECK(port > 0);
  CHECK(accepts_connections(port));

  postgres_coordinator b(db.url());
  REQUIRE(
      eventually([&] { return b.get("/api/jobs").header("X-Jobforge-Leader") == a.url(); }, 5s));
  const auto answer = b.get("/api/jobs");
  CHECK(answer.status == 503);
  CHECK(answer.error().at("details").at("leader_cluster") == json::value(address));
}

TEST_CASE(
    "failover: kill -9 of the leader: the standby takes over its queued, delayed and running "
    "jobs",
    "[e2e][postgres][failover]") {
  scratch_database db;
  coordinator_options two_executors;
  two_executors.executors = 2;
  postgres_coordinator a(db.url(), two_executors);
  REQUIRE(a.wait_ready(10s));
  postgres_coordinator b(db.url());
  CHECK(b.role() == "standby");
  INFO("leader log:\n" << a.log() << "\nstandby log:\n" << b.log());

  // Two long enough to be running when it dies (they hold both executors),
  // three queued behind them, two due in a minute.
  std::vector<std::string> running, queued, delayed;
  for (int i = 0; i < 2; ++i)
    running.push_back(a.submit(e2e::sleep_job(2'000)));
  for (int i = 0; i < 3; ++i)
    queued.push_back(a.submit(echo_job("queued " + std::to_string(i))));
  for (int i = 0; i < 2; ++i)
    delayed.push_back(a.submit(
        json::object{{"type", "noop"}, {"payload", json::object{}}, {"run_in_ms", 60'000}}));
  REQUIRE(eventually(
      [&] { return a.status_of(running[0]) == "running" && a.status_of(running[1]) == "running"; },
      5s));
  for (const auto& id : queued)
    CHECK(a.status_of(id) == "pending");
  std::map<std::string, json::value> run_at;
  for (const auto& id : delayed) {
    auto j = a.job(id);
    CHECK(j.at("status") == "scheduled");
    run_at[id] = j.at("run_at");
  }

  const auto killed = steady::now();
  ::kill(a.process().pid(), SIGKILL);
  REQUIRE(b.wait_ready(15s));
  const auto takeover_ms = ms_since(killed);
  std::printf(
      "failover: kill -9 of the leader -> the standby ready in %lld ms (lease 1000 ms, "
      "renewed every 200 ms)\n",
      takeover_ms);
  WARN("kill -9 -> standby ready: " << takeover_ms << " ms");
  CHECK(std::chrono::milliseconds{takeover_ms} < takeover_bound({}));
  const auto status = a.process().stop_with(SIGKILL, 5s);
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(b.log().find("took the leader lease: epoch 2; recovering the jobs") != std::string::npos);

  // Every job is there; the delayed ones wait for the same moment.
  for (const auto& id : delayed) {
    auto j = b.job(id);
    CHECK(j.at("status") == "scheduled");
    CHECK(j.at("run_at") == run_at[id]);
  }
  for (const auto& id : running)
    CHECK(!b.status_of(id).empty());
  for (const auto& id : queued)
    CHECK(!b.status_of(id).empty());

  // The interrupted attempts run again (their history says why); the
  // queued jobs run once.
  REQUIRE(eventually(
      [&] {
        for (const auto& list : {running, queued})
          for (const auto& id : list)
            if (b.status_of(id) != "completed") return false;
        return true;
      },
      15s));
  for (const auto& id : running) {
    const auto history = history_of(b.job(id));
    INFO(id << ": " << json::serialize(b.job(id)));
    CHECK(statuses_of(history) ==
          std::vector<std::string>{"pending", "running", "pending", "running", "completed"});
    CHECK(history[2].at("reason") == "recovered after a stop");
    CHECK(b.job(id).at("result") == json::parse(R"({"slept_ms":2000})"));
  }
  for (const auto& id : queued) {
    INFO(id << ": " << json::serialize(b.job(id)));
    CHECK(statuses_of(history_of(b.job(id))) ==
          std::vector<std::string>{"pending", "running", "completed"});
  }

  // New work is taken, and the delayed jobs are still waiting.
  const auto fresh = b.submit(echo_job("after the takeover"));
  REQUIRE(eventually([&] { return b.status_of(fresh) == "completed"; }, 5s));
  CHECK(b.job(fresh).at("result") == json::parse(R"({"marker":"after the takeover"})"));
  for (const auto& id : delayed)
    CHECK(b.status_of(id) == "scheduled");
}

TEST_CASE("failover: a paused leader is fenced out: when it wakes it writes nothing and exits 75",
          "[e2e][postgres][failover]") {
  scratch_database db;
  auto look = db.connect();
  postgres_coordinator a(db.url());
  REQUIRE(a.wait_ready(10s));
  postgres_coordinator b(db.url());
  CHECK(b.role() == "standby");
  INFO("old leader log:\n" << a.log() << "\nnew leader log:\n" << b.log());

  const auto id = a.submit(e2e::sleep_job(1'500));
  REQUIRE(eventually([&] { return a.status_of(id) == "running"; }, 5s));
  const auto before = read_lease(look);
  REQUIRE(before.epoch == 1);

  REQUIRE(a.process().pause());
  // A submission that reaches the paused leader waits in its socket; it
  // must never be acknowledged, nor stored, once the leader wakes.
  full_reply late;
  std::thread late_client(
      [&] { late = a.request("POST", "/api/jobs", json::serialize(echo_job("late")), 20s); });
  struct joiner {
    std::thread& t;
    ~joiner() {
      if (t.joinable()) t.join();
    }
  } join_late{late_client};

  const auto paused = steady::now();
  REQUIRE(b.wait_ready(15s));
  std::printf("failover: SIGSTOP of the leader -> the standby ready in %lld ms\n",
              ms_since(paused));
  const auto after = read_lease(look);
  CHECK(after.epoch == 2);
  CHECK(after.boot_id != before.boot_id);
  CHECK(after.http_address == b.url());

  // The new leader runs the job again and completes it while the old one
  // still sleeps (its attempt would end at about the same time).
  REQUIRE(eventually([&] { return b.status_of(id) == "completed"; }, 10s));
  const auto state = stored_state(look);

  ::kill(a.process().pid(), SIGCONT);
  REQUIRE(eventually([&] { return !a.process().running(); }, 10s));
  const auto status = a.process().exit_status();
  REQUIRE(status);
  REQUIRE(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 75);
  CHECK(a.log().find("stepping down as the leader") != std::string::npos);
  late_client.join();
  CHECK(late.status != 201);
  CHECK(late.status != 200);

  // Not one row of the old leader after the takeover.
  CHECK(stored_state(look) == state);
  CHECK(look.exec("SELECT count(*) FROM jobs WHERE doc LIKE '%\"late\"%'").integer(0, 0) == 0);
  const auto final_lease = read_lease(look);
  CHECK(final_lease.epoch == 2);
  CHECK(final_lease.boot_id == after.boot_id);
  const auto history = stored_history(look, id);
  CHECK(statuses_of(history) ==
        std::vector<std::string>{"pending", "running", "pending", "running", "completed"});
  REQUIRE(history.size() >= 3);
  CHECK(history[2].at("reason") == "recovered after a stop");

  // The new leader goes on.
  CHECK(b.ready_status() == 200);
  const auto fresh = b.submit(echo_job("after the fence"));
  CHECK(eventually([&] { return b.status_of(fresh) == "completed"; }, 5s));
}

TEST_CASE("failover: SIGTERM releases the lease, so a standby leads long before it would expire",
          "[e2e][postgres][failover]") {
  scratch_database db;
  auto look = db.connect();
  coordinator_options long_lease{20'000, 1'000, 4, {"--shutdown-grace-ms", "2000"}};
  postgres_coordinator a(db.url(), long_lease);
  REQUIRE(a.wait_ready(10s));
  postgres_coordinator b(db.url(), long_lease);
  INFO("leader log:\n" << a.log() << "\nstandby log:\n" << b.log());
  REQUIRE(
      eventually([&] { return b.get("/api/jobs").header("X-Jobforge-Leader") == a.url(); }, 5s));
  const auto later =
      a.submit(json::object{{"type", "noop"}, {"payload", json::object{}}, {"run_in_ms", 60'000}});

  const auto stopped = steady::now();
  ::kill(a.process().pid(), SIGTERM);
  REQUIRE(b.wait_ready(20s));
  const auto takeover_ms = ms_since(stopped);
  std::printf(
      "failover: SIGTERM of the leader -> the standby ready in %lld ms (lease 20000 ms, "
      "renewed every 1000 ms)\n",
      takeover_ms);
  WARN("SIGTERM -> standby ready: " << takeover_ms << " ms");
  CHECK(takeover_ms < 5'000);

  REQUIRE(eventually([&] { return !a.process().running(); }, 10s));
  REQUIRE(a.process().exit_status());
  CHECK(WIFEXITED(*a.process().exit_status()));
  CHECK(WEXITSTATUS(*a.process().exit_status()) == 0);
  CHECK(a.log().find("released the leader lease (epoch 1)") != std::string::npos);
  CHECK(read_lease(look).epoch == 2);
  CHECK(b.status_of(later) == "scheduled");
}

TEST_CASE("failover: PostgreSQL restarts under load: every acknowledged job is kept and completes",
          "[e2e][postgres][failover]") {
  e2e::own_postgres_server server;
  // A lease that outlives a quick restart of the database, but not a long stop.
  coordinator_options o{3'000, 500, 4, {}};
  postgres_coordinator c(server.url(), o);
  REQUIRE(c.wait_ready(10s));
  INFO("coordinator log:\n" << c.log());

  std::mutex lock;
  std::vector<std::string> acked;
  std::atomic<int> refused{0};
  std::atomic<bool> stop{false};
  const auto acked_count = [&] {
    std::lock_guard<std::mutex> guard(lock);
    return acked.size();
  };
  std::thread client([&] {
    for (int n = 0; n < 5'000 && !stop; ++n) {
      const auto job =
          n % 2 == 0 ? e2e::sleep_job(n % 30) : json::value(echo_job("load " + std::to_string(n)));
      auto r = c.request("POST", "/api/jobs", json::serialize(job), 5s);
      if (r.status == 201 || r.status == 200) {
        std::lock_guard<std::mutex> guard(lock);
        acked.emplace_back(r.body.at("id").as_string());
      } else {
        ++refused;
        std::this_thread::sleep_for(20ms);
      }
    }
  });
  struct stopper {
    std::atomic<bool>& stop;
    std::thread& t;
    ~stopper() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } stop_client{stop, client};

  // Should the leader step down, it is started again, as its service
  // manager would.
  std::vector<int> exits;
  const auto keep_running = [&] {
    if (!c.process().running()) {
      exits.push_back(*c.process().exit_status());
      c.restart();
    }
  };
  const auto load_goes_on = [&](std::size_t more) {
    const auto before = acked_count();
    return eventually(
        [&] {
          keep_running();
          return acked_count() >= before + more;
        },
        20s);
  };

  // A quick restart: the leader rides it out; what it wrote meanwhile is
  // written once the database is back.
  REQUIRE(load_goes_on(50));
  const auto restarting = steady::now();
  REQUIRE(server.restart("fast") == 0);
  const auto restart_ms = ms_since(restarting);
  CHECK(load_goes_on(50));
  const auto quick_exits = exits.size();
  // Every job acknowledged so far finishes, as the database has it, while
  // the same leader goes on (a later recovery would hide a lost write); the
  // end checks that each completed.
  std::string lost;
  const bool kept = eventually(
      [&] {
        lost = still_unfinished(c, [&] {
          std::lock_guard<std::mutex> guard(lock);
          return acked;
        }());
        return lost.empty();
      },
      15s);
  {
    INFO(lost << "coordinator log now:\n" << c.log());
    CHECK(kept);
    CHECK(exits.size() == quick_exits);
  }

  // An outage longer than the lease: the leader can trust its lease no
  // longer and steps down; started again, it leads once more.
  // Meanwhile a submission is refused at once with 503 and a Retry-After,
  // rather than left waiting behind the batch that waits for the database.
  REQUIRE(server.stop("fast") == 0);
  const auto outage = steady::now();
  std::string refusal;
  REQUIRE(eventually(
      [&] {
        if (refusal.empty()) {
          auto r = c.request("POST", "/api/jobs", json::serialize(echo_job("in the outage")), 1s);
          if (r.status == 503 && r.header("Retry-After") == "1")
            refusal = std::string(r.error().at("message").as_string());
        }
        return !c.process().running();
      },
      10s));
  const auto step_down_ms = ms_since(outage);
  INFO("coordinator log through the outage:\n" << c.log());
  CHECK_THAT(refusal, Catch::Contains("the store takes no writes") &&
                          Catch::Contains("nothing was changed"));
  CHECK(c.log().find("stepping down as the leader") != std::string::npos);
  REQUIRE(server.start() == 0);
  CHECK(load_goes_on(50));

  stop = true;
  client.join();
  keep_running();
  REQUIRE(c.wait_ready(10s));
  std::printf(
      "failover: PostgreSQL restarted in %lld ms (the leader stepped down %zu times); "
      "stopped, the leader stepped down after %lld ms; %zu jobs acknowledged, %d "
      "refused\n",
      restart_ms, quick_exits, step_down_ms, acked.size(), refused.load());
  REQUIRE(exits.size() >= 1);
  for (int status : exits) {
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 75);
  }

  const bool settled = eventually([&] { return all_finished(c); }, 20s);
  const auto problems = unfinished_jobs(c, acked);
  INFO(problems << "coordinator log now:\n" << c.log());
  CHECK(settled);
  CHECK(problems.empty());
  const auto fresh = c.submit(echo_job("after the restart"));
  CHECK(eventually([&] { return c.status_of(fresh) == "completed"; }, 5s));
}

TEST_CASE(
    "failover: acknowledged jobs survive kill -9 of the leader at random moments and all "
    "finish",
    "[e2e][postgres][failover]") {
  const std::uint64_t seed = crash_seed();
  INFO("JOBFORGE_CRASH_SEED=" << seed);
  std::mt19937_64 rng(seed);
  scratch_database db;
  coordinator_options o;
  o.executors = 8;
  postgres_coordinator a(db.url(), o);
  REQUIRE(a.wait_ready(10s));
  postgres_coordinator b(db.url(), o);
  std::vector<postgres_coordinator*> nodes{&a, &b};

  std::map<std::string, e2e::submitted_job> acked;
  std::mutex lock;
  const auto acked_count = [&] {
    std::lock_guard<std::mutex> guard(lock);
    return acked.size();
  };
  e2e::job_mix mixes[2] = {{std::mt19937_64(seed + 1), {}, {}},
                           {std::mt19937_64(seed + 2), {}, {}}};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  // Each client submits to the coordinator it believes leads; a standby's
  // answer names the leader, and a lost connection sends it to the other.
  for (auto& mix : mixes)
    clients.emplace_back([&] {
      std::size_t target = 0;
      for (int n = 0; n < 5'000 && !stop; ++n) {
        auto [body, meta] = mix.next();
        auto r = nodes[target]->request("POST", "/api/jobs", json::serialize(body), 5s);
        if (r.status == 201) {
          const std::string id(r.body.at("id").as_string());
          mix.acknowledged(id, meta);
          std::lock_guard<std::mutex> guard(lock);
          acked.emplace(id, meta);
          continue;
        }
        if (r.status >= 400 && r.status < 500) continue;  // refused as such: not a failover
        const auto leader = r.header("X-Jobforge-Leader");
        if (leader.empty() || leader == nodes[1 - target]->url()) target = 1 - target;
        std::this_thread::sleep_for(20ms);
      }
    });
  struct stopper {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~stopper() {
      stop = true;
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
  } stop_clients{stop, clients};

  const int kills = 3;
  const std::size_t min_per_round = 100;
  std::vector<long long> takeovers;
  const auto started = steady::now();
  for (int round = 0; round < kills; ++round) {
    const int leader = e2e::wait_for_leader(nodes, 15s);
    REQUIRE(leader >= 0);
    const auto before = acked_count();
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));
    eventually([&] { return acked_count() >= before + min_per_round; }, 10s);
    const auto killed = steady::now();
    ::kill(nodes[leader]->process().pid(), SIGKILL);  // mid-flight: submissions, commits, attempts
    const auto status = nodes[leader]->process().stop_with(SIGKILL, 5s);
    REQUIRE(status);
    CHECK(WIFSIGNALED(*status));
    auto& standby = *nodes[1 - leader];
    INFO("standby log:\n" << standby.log());
    REQUIRE(standby.wait_ready(takeover_bound(o) + 2s));
    takeovers.push_back(ms_since(killed));
    nodes[leader]->restart();  // it comes back as the standby
    CHECK(nodes[leader]->role() == "standby");
  }
  stop = true;
  for (auto& t : clients)
    t.join();
  std::string times;
  for (auto t : takeovers)
    times += " " + std::to_string(t);
  std::printf(
      "failover: %zu jobs acknowledged over %d kills of the leader; kill -9 -> ready (ms):%s\n",
      acked.size(), kills, times.c_str());
  CHECK(acked.size() >= kills * min_per_round);

  const int leader = e2e::wait_for_leader(nodes, 15s);
  REQUIRE(leader >= 0);
  auto& last = *nodes[leader];
  INFO("leader log:\n" << last.log());
  const bool settled = eventually([&] { return all_finished(last); }, 30s);
  const auto faults = e2e::check_workload(acked, all_jobs(last));
  CHECK(settled);
  CHECK(faults.missing == 0);
  CHECK(faults.wrong_end == 0);
  CHECK(faults.bad_history == 0);
  CHECK(faults.unexplained_reruns == 0);
  CHECK(steady::now() - started < 45s);
}

TEST_CASE("failover: the CLI pointed at a standby is sent on to the leader",
          "[e2e][postgres][failover]") {
  scratch_database db;
  // A lease long enough that the standby does not take over before the end.
  const coordinator_options o{3'000, 500, 4, {}};
  postgres_coordinator a(db.url(), o);
  REQUIRE(a.wait_ready(10s));
  postgres_coordinator b(db.url(), o);
  REQUIRE(
      eventually([&] { return b.get("/api/jobs").header("X-Jobforge-Leader") == a.url(); }, 5s));

  auto submitted = run_cli({"submit", "echo", "--payload", R"({"via": "the standby"})"}, b.url());
  INFO(submitted.output);
  REQUIRE(submitted.exit_code == 0);
  CHECK(submitted.output.find("is a standby") != std::string::npos);
  CHECK(submitted.output.find("leader " + a.url()) != std::string::npos);
  std::smatch found;
  REQUIRE(std::regex_search(submitted.output, found,
                            std::regex("([0-9a-f-]{36}) (pending|running|completed)")));
  const std::string id = found[1];
  CHECK(a.job(id).at("payload") == json::parse(R"({"via": "the standby"})"));

  auto waited = run_cli({"wait", id, "--timeout", "20"}, b.url());
  INFO(waited.output);
  CHECK(waited.exit_code == 0);
  CHECK(waited.output.find(id + " completed {\"via\":\"the standby\"}") != std::string::npos);

  auto listed = run_cli({"list"}, b.url());
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK(listed.output.find(id) != std::string::npos);
  CHECK(listed.output.find("leader " + a.url()) != std::string::npos);

  // The hint is followed once: a leader that is gone is reported as such.
  ::kill(a.process().pid(), SIGKILL);
  auto unreachable = run_cli({"get", id}, b.url());
  INFO(unreachable.output);
  CHECK(unreachable.exit_code == 3);
  CHECK(unreachable.output.find("cannot reach " + a.url()) != std::string::npos);
  CHECK(b.ready_status() == 503);  // the lease (3 s) has not expired yet
}

// Crash recovery of the real process: jobs of mixed kinds are submitted to
// `jobforge serve` over HTTP while it is killed with SIGKILL at random
// moments and restarted on the same data directory. Then every job that was
// acknowledged (HTTP 201) must be there, reach the terminal status its kind
// implies, and have a history that is a valid path of the state machine;
// an attempt may run again only because a crash interrupted it.
//
// The seed is printed on failure; JOBFORGE_CRASH_SEED=N replays a run.

#include "served_jobforge.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace json = boost::json;
using e2e::served_jobforge;
using namespace std::chrono_literals;

namespace {

enum class kind { sleep, retried, doomed, delayed, child_of_good, child_of_doomed };

struct submitted_job {
  kind k;
  std::string expected_status;
};

std::uint64_t crash_seed() {
  if (const char* text = std::getenv("JOBFORGE_CRASH_SEED"))
    return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

/// What a worker submits, and what the job must end as.
struct job_mix {
  std::mt19937_64 rng;
  std::vector<std::string> good_parents;    // acknowledged jobs that will complete
  std::vector<std::string> doomed_parents;  // acknowledged jobs that will fail

  std::pair<json::object, submitted_job> next() {
    const auto pick = rng() % 100;
    const auto ms = [&](int lo, int hi) { return lo + static_cast<int>(rng() % (hi - lo)); };
    if (pick < 35)
      return {json::object{{"type", "sleep"}, {"payload", {{"ms", ms(0, 40)}}}},
              {kind::sleep, "completed"}};
    if (pick < 55)
      return {json::object{{"type", "fail"},
                           {"payload", {{"times", ms(1, 3)}, {"kind", "transient"}}},
                           {"max_attempts", 6},
                           {"retry", {{"initial_backoff_ms", 50}, {"jitter", 0.0}}}},
              {kind::retried, "completed"}};
    if (pick < 65)
      return {json::object{{"type", "fail"}, {"payload", {{"times", 99}, {"kind", "permanent"}}}},
              {kind::doomed, "failed"}};
    if (pick < 80)
      return {json::object{
                  {"type", "noop"}, {"payload", json::object{}}, {"run_in_ms", ms(100, 2'000)}},
              {kind::delayed, "completed"}};
    if (pick < 93 && !good_parents.empty())
      return {json::object{{"type", "noop"},
                           {"payload", json::object{}},
                           {"depends_on", {good_parents[rng() % good_parents.size()]}}},
              {kind::child_of_good, "completed"}};
    if (!doomed_parents.empty())
      return {json::object{{"type", "noop"},
                           {"payload", json::object{}},
                           {"depends_on", {doomed_parents[rng() % doomed_parents.size()]}}},
              {kind::child_of_doomed, "canceled"}};
    return {json::object{{"type", "noop"}, {"payload", json::object{}}},
            {kind::sleep, "completed"}};
  }
};

/// Submits from one thread until the server goes away or `stop` is set;
/// records every acknowledged job.
void submit_until_gone(int port, job_mix& mix, std::map<std::string, submitted_job>& acked,
                       std::mutex& lock, const std::atomic<bool>& stop) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  client.set_read_timeout(5s);
  for (int n = 0; n < 5'000 && !stop; ++n) {
    auto [body, meta] = mix.next();
    auto r = client.Post("/api/jobs", json::serialize(body), "application/json");
    if (!r) return;  // killed: this submission may or may not have been stored
    if (r->status != 201) continue;
    const std::string id(json::parse(r->body).at("id").as_string());
    if (meta.expected_status == "completed" && meta.k != kind::child_of_good)
      mix.good_parents.push_back(id);
    if (meta.k == kind::doomed) mix.doomed_parents.push_back(id);
    std::lock_guard<std::mutex> guard(lock);
    acked.emplace(id, meta);
  }
}

const std::set<std::string> terminal{"completed", "failed", "canceled"};

bool may_go(const std::string& from, const std::string& to) {
  static const std::set<std::pair<std::string, std::string>> allowed{
      {"scheduled", "pending"}, {"scheduled", "canceled"}, {"blocked", "pending"},
      {"blocked", "canceled"},  {"pending", "running"},    {"pending", "canceled"},
      {"running", "completed"}, {"running", "retrying"},   {"running", "failed"},
      {"running", "canceled"},  {"running", "pending"},    {"retrying", "pending"},
      {"retrying", "canceled"}, {"failed", "pending"}};
  return allowed.count({from, to}) > 0;
}

/// Every job on the server, by id (walking the list pages).
std::map<std::string, json::object> all_jobs(served_jobforge& jf) {
  std::map<std::string, json::object> out;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto r =
        jf.get("/api/jobs?limit=1000" +
               (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor)));
    REQUIRE(r.status == 200);
    for (const auto& item : r.object().at("items").as_array())
      out.emplace(std::string(item.at("id").as_string()), item.as_object());
    const auto* next = r.object().if_contains("next_cursor");
    if (!next) return out;
    cursor = std::string(next->as_string());
  }
  FAIL("the job list did not end");
  return out;
}

}  // namespace

TEST_CASE("acknowledged jobs survive kill -9 at random moments and all finish") {
  const std::uint64_t seed = crash_seed();
  INFO("JOBFORGE_CRASH_SEED=" << seed);
  std::mt19937_64 rng(seed);
  e2e::temp_dir data;
  std::map<std::string, submitted_job> acked;
  std::mutex lock;
  job_mix mixes[2] = {{std::mt19937_64(seed + 1), {}, {}}, {std::mt19937_64(seed + 2), {}, {}}};
  const std::size_t crashes = 4;
  const std::size_t min_per_round = 200;
  const auto test_started = std::chrono::steady_clock::now();

  for (std::size_t round = 0; round < crashes; ++round) {
    served_jobforge jf({"--executors", "16"}, data.path().string());
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (auto& mix : mixes)
      workers.emplace_back(
          [&, port = jf.port()] { submit_until_gone(port, mix, acked, lock, stop); });
    // A random moment, but not before this round has some acknowledged jobs
    // (a slow machine, or a sanitizer build, submits far fewer per second).
    const std::size_t before = [&] {
      std::lock_guard<std::mutex> guard(lock);
      return acked.size();
    }();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 900));
    e2e::eventually(
        [&] {
          std::lock_guard<std::mutex> guard(lock);
          return acked.size() >= before + min_per_round;
        },
        10s);
    ::kill(jf.process().pid(), SIGKILL);  // mid-flight: submissions, commits, attempts
    stop = true;
    for (auto& w : workers)
      w.join();
    const auto status = jf.process().stop_with(SIGKILL, 5s);
    REQUIRE(status);
    CHECK(WIFSIGNALED(*status));
  }
  INFO(acked.size() << " jobs acknowledged over " << crashes << " crashes");
  CHECK(acked.size() >= crashes * min_per_round);

  served_jobforge jf({"--executors", "16"}, data.path().string());
  const bool settled = e2e::eventually(
      [&] {
        auto r = jf.get("/api/jobs?status=scheduled,blocked,pending,running,retrying&limit=1");
        return r.status == 200 && r.object().at("items").as_array().empty();
      },
      40s);
  const auto jobs = all_jobs(jf);
  std::size_t missing = 0, wrong_end = 0, bad_history = 0, unexplained_reruns = 0;
  for (const auto& [id, meta] : acked) {
    auto it = jobs.find(id);
    if (it == jobs.end()) {
      ++missing;
      UNSCOPED_INFO("acknowledged job " << id << " is missing");
      continue;
    }
    const auto& j = it->second;
    const std::string status(j.at("status").as_string());
    if (status != meta.expected_status) {
      ++wrong_end;
      UNSCOPED_INFO("job " << id << " ended " << status << ", expected " << meta.expected_status
                           << ": " << json::serialize(j));
    }
    const auto& history = j.at("history").as_array();
    bool valid = !history.empty() && history[0].at("from").is_null();
    std::size_t completions = 0;
    for (std::size_t i = 1; valid && i < history.size(); ++i) {
      const auto& h = history[i].as_object();
      const std::string from(h.at("from").as_string()), to(h.at("to").as_string());
      valid = from == std::string(history[i - 1].at("to").as_string()) && may_go(from, to);
      if (from == "running" && to == "pending" && h.at("reason") != "recovered after a stop")
        ++unexplained_reruns;  // nothing but a crash may send an attempt back
    }
    for (const auto& h : history)
      completions += h.at("to") == "completed";
    valid = valid && std::string(history.back().at("to").as_string()) == status && completions <= 1;
    if (!valid) {
      ++bad_history;
      UNSCOPED_INFO("job " << id << " has an invalid history: " << json::serialize(j));
    }
  }
  CHECK(settled);
  CHECK(missing == 0);
  CHECK(wrong_end == 0);
  CHECK(bad_history == 0);
  CHECK(unexplained_reruns == 0);
  CHECK(std::chrono::steady_clock::now() - test_started < 60s);
}

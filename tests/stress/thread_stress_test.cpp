// Stress tests of the REAL threaded runtime (CAF's scheduler, one worker
// thread per executor, real time), not the simulated harness. Every wait is
// bounded by a deadline and waits on a signal or polls with one; the seed
// of the random parts is printed on failure (set JOBFORGE_STRESS_SEED to
// replay one).

#include "../support/demo_registry.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

using clk = std::chrono::steady_clock;

std::uint64_t stress_seed() {
  if (const char* env = std::getenv("JOBFORGE_STRESS_SEED")) return std::strtoull(env, nullptr, 10);
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

using test::demo_registry;

job_request request(std::string type, boost::json::value payload = boost::json::object{}) {
  job_request r;
  r.type = std::move(type);
  r.payload = std::move(payload);
  return r;
}

std::string describe(const error& e) {
  return to_string(e) + (e.details.is_null() ? "" : " " + boost::json::serialize(e.details));
}

/// Whether a history is a valid path through the status machine (the same
/// rule as tests/runtime/runtime_fixture.hpp).
bool valid_history(const job& j) {
  if (j.history.empty() || j.history.front().from || !is_initial(j.history.front().to))
    return false;
  for (std::size_t i = 1; i < j.history.size(); ++i) {
    const auto& h = j.history[i];
    if (!h.from || *h.from != j.history[i - 1].to || !may_transition(*h.from, h.to)) return false;
  }
  return j.history.back().to == j.status;
}

std::string history_text(const job& j) {
  std::string out;
  for (const auto& h : j.history) {
    out += out.empty() ? "" : " -> ";
    out += std::string(to_string(h.to));
    if (h.error) out += "(" + h.error->code + ")";
  }
  return out;
}

bool history_has(const job& j, job_status s) {
  return std::any_of(j.history.begin(), j.history.end(),
                     [&](const history_entry& h) { return h.to == s; });
}

/// Every job in the store, oldest first (bounded number of pages).
std::vector<job> list_all(runtime& rt) {
  std::vector<job> out;
  job_query q;
  q.limit = 1000;
  q.order = job_order::created_asc;
  for (int page = 0; page < 1000; ++page) {
    auto p = rt.list(q);
    INFO((p ? std::string("ok") : describe(p.error_value())));
    REQUIRE(p.has_value());
    out.insert(out.end(), p->items.begin(), p->items.end());
    if (!p->next_cursor) return out;
    q.cursor = p->next_cursor;
  }
  FAIL("list_all: more than 1000 pages");
  return out;
}

/// Polls `probe` every few milliseconds until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds timeout) {
  const auto deadline = clk::now() + timeout;
  for (;;) {
    if (probe()) return true;
    if (clk::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
}

/// A job of the mixed workload and what it should end as if not canceled.
struct planned_job {
  job_id id;
  std::string type;
  boost::json::value payload;
  int fail_times = 0;
  std::string fail_kind;
  std::optional<job_id> parent;
};

/// The outcome of one cancel call.
struct cancel_call {
  job_id id;
  cancel_mode mode = cancel_mode::graceful;
  std::optional<job> reply;  ///< the job the call answered with
  std::optional<error> failure;
};

planned_job plan_job(std::mt19937_64& rng, int index, const std::optional<job_id>& previous) {
  planned_job p;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const int r = pick(100);
  if (r < 30) {
    p.type = "noop";
    p.payload = boost::json::object{};
  } else if (r < 48) {
    p.type = "echo";
    p.payload = boost::json::object{{"i", index}, {"text", std::string(pick(40), 'x')}};
  } else if (r < 66) {
    p.type = "fail";
    p.fail_times = pick(3);
    const int k = pick(10);
    p.fail_kind = k < 6 ? "transient" : k < 8 ? "permanent" : "crash";
    p.payload = boost::json::object{{"times", p.fail_times}, {"kind", p.fail_kind}};
  } else if (r < 84) {
    p.type = "sleep";
    p.payload = boost::json::object{{"ms", 1 + pick(5)}};
  } else {
    p.type = "progress";
    p.payload = boost::json::object{{"steps", 1 + pick(3)}, {"step_ms", pick(3)}};
  }
  if (previous && pick(100) < 12) p.parent = previous;  // chains form naturally
  return p;
}

job_request to_request(const planned_job& p) {
  job_request r = request(p.type, p.payload);
  if (p.type == "fail") {
    r.retry.initial_backoff_ms = 10;
    r.retry.max_backoff_ms = 20;
    r.retry.jitter = 0.5;
  }
  if (p.parent) r.dependencies.depends_on = {*p.parent};
  r.tags = {"stress"};
  return r;
}

/// What went wrong, counted by kind, with the first few cases in full.
struct problem_log {
  std::map<std::string, std::size_t> kinds;
  std::vector<std::string> examples;
  std::size_t total = 0;

  void add(const std::string& kind, const std::string& detail) {
    ++total;
    if (kinds[kind]++ < 3) examples.push_back(kind + ": " + detail);
  }
  std::string report() const {
    std::string out;
    for (const auto& [kind, n] : kinds)
      out += "\n  " + std::to_string(n) + " x " + kind;
    out += "\nexamples:";
    for (const auto& e : examples)
      out += "\n  " + e;
    return out;
  }
};

/// Checks one final job against its plan; logs what is wrong, if anything.
void check_job(const job& j, const planned_job& p,
               const std::unordered_map<job_id, const job*>& by_id, bool cancel_succeeded,
               problem_log& log) {
  auto fail = [&](const std::string& kind, const std::string& more = {}) {
    log.add(p.type + ": " + kind, to_string(j.id) + " " + boost::json::serialize(p.payload) +
                                      (p.parent ? " child of " + to_string(*p.parent) : "") + more +
                                      "; history: " + history_text(j));
  };
  if (!is_terminal(j.status)) fail("not terminal: " + std::string(to_string(j.status)));
  if (!valid_history(j)) fail("invalid history");
  const auto terminal_entries = std::count_if(
      j.history.begin(), j.history.end(), [](const history_entry& h) { return is_terminal(h.to); });
  if (terminal_entries != 1)
    fail("more or less than one terminal history entry",
         " (" + std::to_string(terminal_entries) + ")");
  const auto runs = std::count_if(j.history.begin(), j.history.end(), [](const history_entry& h) {
    return h.to == job_status::running;
  });
  if (runs != j.attempts)
    fail("attempts differ from the runs in the history",
         " (" + std::to_string(j.attempts) + " vs " + std::to_string(runs) + ")");
  if (j.status == job_status::canceled &&
      (history_has(j, job_status::completed) || !j.result.is_null()))
    fail("canceled but shows completed");
  if (j.status == job_status::completed && (history_has(j, job_status::canceled) || j.canceled_at))
    fail("completed but has a canceled entry");
  if (cancel_succeeded && j.status != job_status::canceled)
    fail("a cancel call succeeded, yet the job ended " + std::string(to_string(j.status)));

  if (p.parent) {
    auto it = by_id.find(*p.parent);
    if (it == by_id.end()) {
      fail("parent missing from the store");
    } else {
      const job_status ps = it->second->status;
      if ((ps == job_status::failed || ps == job_status::canceled) &&
          j.status != job_status::canceled)
        fail("parent ended " + std::string(to_string(ps)) + " but the child ended " +
             std::string(to_string(j.status)));
      if (j.attempts > 0 && ps != job_status::completed)
        fail("ran although its parent ended " + std::string(to_string(ps)));
    }
  }
  if (j.status == job_status::canceled) return;

  // Not canceled: the outcome its handler dictates.
  if (p.type == "fail") {
    if (p.fail_kind == "permanent" && p.fail_times > 0) {
      if (j.status != job_status::failed || j.attempts != 1)
        fail("expected failed after 1 attempt");
      else if (!j.last_error || j.last_error->kind != error_kind::permanent ||
               j.last_error->code != "deliberate")
        fail("failed without the permanent 'deliberate' error");
    } else if (j.status != job_status::completed || j.attempts != p.fail_times + 1) {
      fail("expected completed on attempt times+1");
    } else {
      for (const auto& h : j.history)
        if (h.to == job_status::retrying &&
            (!h.error ||
             h.error->kind != (p.fail_kind == "crash" ? error_kind::crash : error_kind::transient)))
          fail("a retry carries the wrong error kind");
    }
    return;
  }
  if (j.status != job_status::completed || j.attempts != 1) {
    fail("expected completed after 1 attempt");
    return;
  }
  if (p.type == "echo" && j.result != p.payload) fail("echo result differs from the payload");
  if (p.type == "sleep" &&
      j.result != boost::json::value(boost::json::object{{"slept_ms", p.payload.at("ms")}}))
    fail("unexpected sleep result", " " + boost::json::serialize(j.result));
  if (p.type == "progress" && (!j.result.is_object() || !j.result.as_object().contains("steps") ||
                               j.result.at("steps") != p.payload.at("steps")))
    fail("unexpected progress result", " " + boost::json::serialize(j.result));
}

}  // namespace

TEST_CASE("10,000 mixed jobs with concurrent cancellations end in one valid terminal state",
          "[stress][threads]") {
  const std::uint64_t seed = stress_seed();
  INFO("seed " << seed << " (replay: JOBFORGE_STRESS_SEED=" << seed << ")");
  constexpr int submitters = 2;
  constexpr int per_submitter = 5'000;
  constexpr int cancellers = 2;
  constexpr int cancels_per_thread = 700;
  const auto started = clk::now();
  const auto deadline = started + 45s;

  runtime_config config;
  config.executors = 16;
  config.cancel_grace = 2'000ms;
  runtime rt(demo_registry(), config);

  std::mutex mutex;
  std::condition_variable more;
  std::vector<job_id> submitted;  // guarded by mutex
  std::vector<std::vector<planned_job>> plans(submitters);
  std::vector<std::string> submit_errors;  // guarded by mutex
  std::atomic<int> submitters_done{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < submitters; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 1'000'003 + static_cast<std::uint64_t>(t));
      std::optional<job_id> previous;
      for (int i = 0; i < per_submitter && clk::now() < deadline; ++i) {
        planned_job p = plan_job(rng, i, previous);
        auto r = rt.submit(to_request(p));
        if (!r) {
          std::lock_guard<std::mutex> guard(mutex);
          submit_errors.push_back(describe(r.error_value()));
          continue;
        }
        p.id = r->value.id;
        previous = p.id;
        plans[static_cast<std::size_t>(t)].push_back(std::move(p));
        {
          std::lock_guard<std::mutex> guard(mutex);
          submitted.push_back(r->value.id);
        }
        more.notify_all();
      }
      ++submitters_done;
      more.notify_all();
    });
  }

  std::vector<std::vector<cancel_call>> cancels(cancellers);
  for (int t = 0; t < cancellers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 7'919 + 100 + static_cast<std::uint64_t>(t));
      auto& mine = cancels[static_cast<std::size_t>(t)];
      std::size_t next_at = 0;
      int after_submissions = 0;
      while (mine.size() < static_cast<std::size_t>(cancels_per_thread) && clk::now() < deadline) {
        job_id target;
        {
          // Paced by submissions: wait (bounded) for a few more jobs, then
          // cancel one of the most recent (likely still pending or running),
          // or now and then any job at all. Once submissions are over, a
          // final burst of 50.
          std::unique_lock<std::mutex> lock(mutex);
          next_at += 2 + rng() % 12;
          more.wait_for(lock, 200ms, [&] {
            return submitted.size() >= next_at || submitters_done.load() == submitters;
          });
          if (submitted.empty()) continue;
          if (submitters_done.load() == submitters && ++after_submissions > 50) break;
          const std::size_t n = submitted.size();
          const std::size_t window = std::min<std::size_t>(n, 64);
          target = rng() % 5 == 0 ? submitted[rng() % n] : submitted[n - 1 - rng() % window];
        }
        cancel_call c;
        c.id = target;
        c.mode = rng() % 5 < 2 ? cancel_mode::forced : cancel_mode::graceful;
        auto r = rt.cancel(target, {c.mode, "stress", "canceller-" + std::to_string(t)});
        if (r)
          c.reply = *r;
        else
          c.failure = r.error_value();
        mine.push_back(std::move(c));
      }
    });
  }
  for (auto& th : threads)
    th.join();
  INFO("submitting and canceling took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(clk::now() - started).count()
       << " ms");
  {
    INFO("first submit error: " << (submit_errors.empty() ? "" : submit_errors.front()));
    REQUIRE(submit_errors.empty());
  }
  std::vector<planned_job> all;
  for (auto& v : plans)
    all.insert(all.end(), v.begin(), v.end());
  REQUIRE(all.size() == static_cast<std::size_t>(submitters * per_submitter));

  // Wait for every job to be terminal (bounded by the overall deadline).
  std::unordered_map<job_id, job_status> waited;
  for (const auto& p : all) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clk::now());
    auto w = rt.wait(p.id, std::max(left, 1ms));
    INFO("waiting for " << to_string(p.id) << " (" << p.type << "): "
                        << (w ? std::string(to_string(w->status)) : describe(w.error_value())));
    REQUIRE(w.has_value());
    REQUIRE(is_terminal(w->status));
    waited.emplace(p.id, w->status);
  }

  // The cancel calls: success answers with the canceled job; a refusal is a
  // conflict (the job had finished); nothing else.
  std::unordered_map<job_id, bool> cancel_succeeded;
  std::size_t ok_calls = 0, conflicts = 0, forced = 0;
  problem_log problems;
  for (const auto& v : cancels)
    for (const auto& c : v) {
      forced += c.mode == cancel_mode::forced;
      if (c.reply) {
        ++ok_calls;
        cancel_succeeded[c.id] = true;
        if (c.reply->status != job_status::canceled)
          problems.add(
              "cancel answered success with a " + std::string(to_string(c.reply->status)) + " job",
              to_string(c.id) + "; history: " + history_text(*c.reply));
      } else if (c.failure->code == error_code::conflict) {
        ++conflicts;
      } else {
        problems.add("cancel failed with " + std::string(to_string(c.failure->code)),
                     to_string(c.id) + ": " + describe(*c.failure));
      }
    }

  const std::vector<job> stored = list_all(rt);
  std::unordered_map<job_id, const job*> by_id;
  for (const auto& j : stored)
    by_id.emplace(j.id, &j);
  CHECK(stored.size() == all.size());

  std::map<std::string, std::size_t> outcome_counts;
  for (const auto& p : all) {
    auto it = by_id.find(p.id);
    if (it == by_id.end()) {
      problems.add("missing from the store", to_string(p.id));
      continue;
    }
    const job& j = *it->second;
    ++outcome_counts[std::string(to_string(j.status))];
    if (waited.at(p.id) != j.status)
      problems.add("wait() and the store disagree",
                   to_string(p.id) + ": wait() said " + std::string(to_string(waited.at(p.id))) +
                       ", the store says " + std::string(to_string(j.status)));
    check_job(j, p, by_id, cancel_succeeded.count(p.id) > 0, problems);
  }

  // Every slot is given back (lost executors replaced) once all is terminal.
  std::optional<scheduler_stats> last_stats;
  const bool idle = eventually(
      [&] {
        auto s = rt.stats();
        if (!s) return false;
        last_stats = *s;
        return s->ready == 0 && s->supervisors == 0 && s->idle_executors == s->executors &&
               s->executors == config.executors;
      },
      5s);

  std::ostringstream summary;
  summary << all.size() << " jobs; cancel calls: " << ok_calls << " succeeded, " << conflicts
          << " conflicts (" << forced << " forced); outcomes:";
  for (const auto& [status, n] : outcome_counts)
    summary << " " << status << "=" << n;
  summary << "; " << problems.total << " problems; took "
          << std::chrono::duration_cast<std::chrono::milliseconds>(clk::now() - started).count()
          << " ms";
  INFO(summary.str());
  INFO("problems by kind:" << problems.report());
  CHECK(problems.total == 0);
  INFO("last stats: ready=" << (last_stats ? last_stats->ready : 0)
                            << " supervisors=" << (last_stats ? last_stats->supervisors : 0)
                            << " idle_executors=" << (last_stats ? last_stats->idle_executors : 0)
                            << " executors=" << (last_stats ? last_stats->executors : 0));
  CHECK(idle);
  CHECK(ok_calls > 0);
  CHECK(clk::now() - started < 60s);
}

TEST_CASE("canceling jobs around their retry gives every executor slot back",
          "[stress][threads][cancel]") {
  // Jobs that fail twice with a 10 ms backoff, each canceled 5-30 ms after
  // submission, so that many cancellations land while the job is retrying
  // or is on its way back to the ready queue.
  const std::uint64_t seed = stress_seed();
  INFO("seed " << seed << " (replay: JOBFORGE_STRESS_SEED=" << seed << ")");
  runtime_config config;
  config.executors = 16;
  config.cancel_grace = 2'000ms;
  runtime rt(demo_registry(), config);

  std::mutex mutex;
  std::condition_variable queued;
  std::vector<std::pair<clk::time_point, job_id>> to_cancel;  // guarded by mutex
  bool submitting = true;                                     // guarded by mutex
  std::vector<std::string> cancel_errors;                     // guarded by mutex
  std::thread canceller([&] {
    std::mt19937_64 rng(seed);
    std::size_t next = 0;
    for (;;) {
      std::pair<clk::time_point, job_id> item;
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (!queued.wait_for(lock, 5s, [&] { return next < to_cancel.size() || !submitting; }))
          return;
        if (next == to_cancel.size()) return;  // submissions over, all canceled
        item = to_cancel[next++];
      }
      std::this_thread::sleep_until(item.first);  // pacing, not waiting for a result
      const auto mode = rng() % 2 ? cancel_mode::forced : cancel_mode::graceful;
      auto r = rt.cancel(item.second, {mode, "retry race", "test"});
      if (!r && r.error_value().code != error_code::conflict) {
        std::lock_guard<std::mutex> guard(mutex);
        cancel_errors.push_back(describe(r.error_value()));
      }
    }
  });
  std::mt19937_64 rng(seed + 1);
  std::vector<job_id> ids;
  for (int i = 0; i < 2'000; ++i) {
    auto r = request("fail", boost::json::parse(R"({"times": 2})"));
    r.retry.initial_backoff_ms = 10;
    r.retry.max_backoff_ms = 10;
    r.retry.jitter = 0.0;
    auto s = rt.submit(std::move(r));
    REQUIRE(s.has_value());
    ids.push_back(s->value.id);
    if (i % 2 == 0) {
      std::lock_guard<std::mutex> guard(mutex);
      to_cancel.emplace_back(clk::now() + std::chrono::microseconds(5'000 + rng() % 25'000),
                             s->value.id);
    }
    queued.notify_all();
    std::this_thread::sleep_for(300us);  // pacing the submissions
  }
  {
    std::lock_guard<std::mutex> guard(mutex);
    submitting = false;
  }
  queued.notify_all();
  canceller.join();
  INFO("first cancel error: " << (cancel_errors.empty() ? "" : cancel_errors.front()));
  CHECK(cancel_errors.empty());
  for (const auto& id : ids) {
    auto j = rt.wait(id, 20'000ms);
    REQUIRE(j.has_value());
    REQUIRE(is_terminal(j->status));
  }
  std::optional<scheduler_stats> last;
  const bool idle = eventually(
      [&] {
        auto s = rt.stats();
        if (!s) return false;
        last = *s;
        return s->supervisors == 0 && s->idle_executors == config.executors;
      },
      5s);
  INFO("idle executors " << (last ? last->idle_executors : 0) << " of "
                         << (last ? last->executors : 0) << ", supervisors "
                         << (last ? last->supervisors : 0));
  CHECK(idle);
}

TEST_CASE("execute_sync returns the handler's result", "[stress][threads][execute_sync]") {
  runtime rt(demo_registry());
  const boost::json::value payload =
      boost::json::parse(R"({"message": "hello", "n": [1, 2, 3], "nested": {"ok": true}})");
  auto r = rt.execute_sync(request("echo", payload), 10'000ms);
  INFO((r ? std::string("ok") : describe(r.error_value())));
  REQUIRE(r.has_value());
  CHECK(*r == payload);
}

TEST_CASE("execute_sync reports a failed job with its last error",
          "[stress][threads][execute_sync]") {
  runtime rt(demo_registry());
  auto r = rt.execute_sync(
      request("fail", boost::json::parse(R"({"times": 1, "kind": "permanent"})")), 10'000ms);
  REQUIRE_FALSE(r.has_value());
  const error& e = r.error_value();
  INFO(describe(e));
  CHECK(e.code == error_code::job_failed);
  REQUIRE(e.details.is_object());
  REQUIRE(e.details.as_object().contains("job_id"));
  REQUIRE(e.details.as_object().contains("last_error"));
  const auto& last = e.details.at("last_error");
  CHECK(last.at("kind") == "permanent");
  CHECK(last.at("code") == "deliberate");
  auto id = job_id::parse(e.details.at("job_id").as_string());
  REQUIRE(id);
  auto j = rt.get(*id);
  REQUIRE(j.has_value());
  CHECK(j->status == job_status::failed);
  CHECK(j->attempts == 1);
}

TEST_CASE("execute_sync times out while the job goes on running",
          "[stress][threads][execute_sync]") {
  runtime rt(demo_registry());
  const auto t0 = clk::now();
  auto r = rt.execute_sync(request("sleep", boost::json::parse(R"({"ms": 5000})")), 100ms);
  const auto took = clk::now() - t0;
  REQUIRE_FALSE(r.has_value());
  const error& e = r.error_value();
  INFO(describe(e));
  CHECK(e.code == error_code::timeout);
  CHECK(took >= 90ms);
  CHECK(took < 2'000ms);
  REQUIRE(e.details.is_object());
  REQUIRE(e.details.as_object().contains("job_id"));
  auto id = job_id::parse(e.details.at("job_id").as_string());
  REQUIRE(id);
  auto j = rt.get(*id);
  REQUIRE(j.has_value());
  CHECK(j->status == job_status::running);
  // Clean up without waiting the 5 s: a forced cancel ends it at once.
  auto c = rt.cancel(*id, {cancel_mode::forced, "test over", "test"});
  INFO((c ? std::string(to_string(c->status)) : describe(c.error_value())));
  REQUIRE(c.has_value());
  CHECK(c->status == job_status::canceled);
}

TEST_CASE("execute_sync reports a job canceled from another thread",
          "[stress][threads][execute_sync]") {
  runtime rt(demo_registry());
  const std::string tag = "cancel-me-" + std::to_string(stress_seed());
  std::atomic<bool> canceled{false};
  std::string canceller_error;  // written by the canceller, read after join
  std::thread canceller([&] {
    // Find the job by its tag once it runs (polling with a deadline), then cancel it.
    std::optional<job_id> id;
    const bool found = eventually(
        [&] {
          job_query q;
          q.filter.tag = tag;
          q.filter.statuses = std::vector<job_status>{job_status::running};
          q.limit = 10;
          auto p = rt.list(q);
          if (p && !p->items.empty()) id = p->items.front().id;
          return id.has_value();
        },
        10s);
    if (!found) {
      canceller_error = "the job never showed up running";
      return;
    }
    auto c = rt.cancel(*id, {cancel_mode::graceful, "changed my mind", "other-thread"});
    if (!c)
      canceller_error = describe(c.error_value());
    else if (c->status != job_status::canceled)
      canceller_error = "cancel answered " + std::string(to_string(c->status));
    canceled = true;
  });
  auto req = request("sleep", boost::json::parse(R"({"ms": 10000})"));
  req.tags = {tag};
  const auto t0 = clk::now();
  auto r = rt.execute_sync(std::move(req), 20'000ms);
  const auto took = clk::now() - t0;
  canceller.join();
  INFO("canceller: " << canceller_error);
  CHECK(canceller_error.empty());
  CHECK(canceled.load());
  REQUIRE_FALSE(r.has_value());
  const error& e = r.error_value();
  INFO(describe(e));
  CHECK(e.code == error_code::job_canceled);
  REQUIRE(e.details.is_object());
  CHECK(e.details.at("reason") == "changed my mind");
  CHECK(took < 9'000ms);  // it ended with the cancel, not with the sleep
}

TEST_CASE("handlers that throw never take the process down", "[stress][threads][crash]") {
  runtime rt(demo_registry([](job_type_registry& types) {
    job_type t;
    t.name = "throws.int";
    t.handler = [](handler_context&, const boost::json::value&) -> handler_result { throw 42; };
    REQUIRE(types.add(t));
    t.name = "throws.logic";
    t.handler = [](handler_context& ctx, const boost::json::value&) -> handler_result {
      ctx.report_progress(50, "half");
      throw std::logic_error("broken invariant");
    };
    REQUIRE(types.add(t));
  }));

  // One crash through execute_sync, with its error.
  auto crash = request("fail", boost::json::parse(R"({"times": 5, "kind": "crash"})"));
  crash.max_attempts = 1;
  auto r = rt.execute_sync(std::move(crash), 10'000ms);
  REQUIRE_FALSE(r.has_value());
  INFO(describe(r.error_value()));
  CHECK(r.error_value().code == error_code::job_failed);
  CHECK(r.error_value().details.at("last_error").at("kind") == "crash");

  // Many at once, retried, on every executor.
  std::vector<job_id> ids;
  for (int i = 0; i < 300; ++i) {
    job_request q = i % 3 == 0 ? request("throws.int")
                    : i % 3 == 1
                        ? request("throws.logic")
                        : request("fail", boost::json::parse(R"({"times": 9, "kind": "crash"})"));
    q.max_attempts = 2;
    q.retry.initial_backoff_ms = 10;
    q.retry.jitter = 0.0;
    auto s = rt.submit(std::move(q));
    REQUIRE(s.has_value());
    ids.push_back(s->value.id);
  }
  for (const auto& id : ids) {
    auto j = rt.wait(id, 20'000ms);
    INFO((j ? std::string(to_string(j->status)) : describe(j.error_value())));
    REQUIRE(j.has_value());
    CHECK(j->status == job_status::failed);
    CHECK(j->attempts == 2);
    REQUIRE(j->last_error);
    CHECK(j->last_error->kind == error_kind::crash);
    CHECK(valid_history(*j));
  }
  // Still serving.
  auto ok = rt.execute_sync(request("echo", boost::json::parse(R"({"alive": true})")), 10'000ms);
  REQUIRE(ok.has_value());
  CHECK(*ok == boost::json::parse(R"({"alive": true})"));
}

namespace {

/// Handlers of the shutdown test report when they return, so the test can
/// wait for abandoned handlers without sleeping.
struct handler_tracker {
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0;
  int returned = 0;
};

handler_tracker& tracker() {
  static handler_tracker t;
  return t;
}

void add_tracked_sleep(job_type_registry& types) {
  job_type t;
  t.name = "tracked.sleep";
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.defaults.timeout_ms = 60'000;
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    auto& tr = tracker();
    // Notified under the lock: the test's wait then returns only after the
    // notification, never while it still runs on the tracker (a static the
    // process destroys at exit).
    {
      std::lock_guard<std::mutex> guard(tr.mutex);
      ++tr.running;
      tr.changed.notify_all();
    }
    // Ignores its stop token on purpose: shutdown must not wait for it.
    std::this_thread::sleep_for(milliseconds{payload.at("ms").to_number<std::int64_t>()});
    (void)ctx;
    {
      std::lock_guard<std::mutex> guard(tr.mutex);
      --tr.running;
      ++tr.returned;
      tr.changed.notify_all();
    }
    return handler_result::ok();
  };
  REQUIRE(types.add(t));
}

}  // namespace

TEST_CASE("shutdown with jobs running returns promptly, and a new runtime starts after it",
          "[stress][threads][shutdown]") {
  constexpr int executors = 4;
  auto& tr = tracker();
  {
    std::lock_guard<std::mutex> guard(tr.mutex);
    tr.running = 0;
    tr.returned = 0;
  }
  runtime_config config;
  config.executors = executors;
  auto first = std::make_unique<runtime>(demo_registry(add_tracked_sleep), config);
  // Four handlers that ignore stops, four more sleeps waiting, and more queued work.
  for (int i = 0; i < executors; ++i)
    REQUIRE(first->submit(request("tracked.sleep", boost::json::parse(R"({"ms": 1500})"))));
  for (int i = 0; i < executors; ++i)
    REQUIRE(first->submit(request("sleep", boost::json::parse(R"({"ms": 1500})"))));
  for (int i = 0; i < 200; ++i)
    REQUIRE(
        first->submit(request("progress", boost::json::parse(R"({"steps": 3, "step_ms": 5})"))));
  {
    std::unique_lock<std::mutex> lock(tr.mutex);
    REQUIRE(tr.changed.wait_for(lock, 10s, [&] { return tr.running == executors; }));
  }

  const auto t0 = clk::now();
  first->shutdown();
  const auto shutdown_took = clk::now() - t0;
  first->shutdown();  // idempotent
  auto after = first->submit(request("noop"));
  REQUIRE_FALSE(after.has_value());
  CHECK(after.error_value().code == error_code::unavailable);
  first.reset();
  const auto destroy_took = clk::now() - t0;
  INFO("shutdown took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_took).count()
       << " ms, with destruction "
       << std::chrono::duration_cast<std::chrono::milliseconds>(destroy_took).count() << " ms");
  CHECK(shutdown_took < 1'000ms);  // the handlers still sleep for ~1.5 s
  CHECK(destroy_took < 1'000ms);

  // A second runtime in the same process, while the first one's abandoned
  // handlers are still running.
  runtime second(demo_registry(), config);
  auto r = second.execute_sync(request("echo", boost::json::parse(R"({"second": 1})")), 10'000ms);
  INFO((r ? std::string("ok") : describe(r.error_value())));
  REQUIRE(r.has_value());
  CHECK(*r == boost::json::parse(R"({"second": 1})"));

  // The abandoned handlers return (and try to report to actors of a system
  // that no longer exists); the process and the second runtime carry on.
  {
    std::unique_lock<std::mutex> lock(tr.mutex);
    REQUIRE(tr.changed.wait_for(lock, 10s, [&] { return tr.returned == executors; }));
  }
  std::vector<job_id> ids;
  for (int i = 0; i < 100; ++i) {
    auto s = second.submit(request(i % 2 ? "noop" : "sleep",
                                   i % 2 ? boost::json::object{} : boost::json::object{{"ms", 2}}));
    REQUIRE(s.has_value());
    ids.push_back(s->value.id);
  }
  for (const auto& id : ids) {
    auto j = second.wait(id, 10'000ms);
    REQUIRE(j.has_value());
    CHECK(j->status == job_status::completed);
  }
  second.shutdown();

  // And a third, after a clean shutdown.
  runtime third(demo_registry(), config);
  auto again = third.execute_sync(request("echo", boost::json::parse(R"({"third": 1})")), 10'000ms);
  REQUIRE(again.has_value());
}

TEST_CASE("a subscription sees the events of jobs submitted right after subscribe() returns",
          "[stress][threads][subscribe]") {
  // subscribe() documents that the callback sees every status change until
  // the subscription is destroyed; a job submitted after subscribe() has
  // returned must therefore show up.
  runtime rt(demo_registry());
  constexpr int rounds = 1000;
  int missed = 0;
  for (int i = 0; i < rounds; ++i) {
    struct seen_state {
      std::mutex mutex;
      std::condition_variable changed;
      std::vector<job_id> completed;
    };
    auto seen = std::make_shared<seen_state>();
    auto sub = rt.subscribe([seen](const job_event& e) {
      if (e.what != job_event::kind::status || e.to != job_status::completed) return;
      {
        std::lock_guard<std::mutex> guard(seen->mutex);
        seen->completed.push_back(e.id);
      }
      seen->changed.notify_all();
    });
    auto s = rt.submit(request("noop"));
    REQUIRE(s.has_value());
    const job_id id = s->value.id;
    auto done = rt.wait(id, 10'000ms);
    REQUIRE(done.has_value());
    REQUIRE(done->status == job_status::completed);
    std::unique_lock<std::mutex> lock(seen->mutex);
    if (!seen->changed.wait_for(lock, 2s, [&] {
          return std::find(seen->completed.begin(), seen->completed.end(), id) !=
                 seen->completed.end();
        }))
      ++missed;
  }
  INFO(missed << " of " << rounds << " fresh subscriptions missed the completion of a job "
              << "submitted after subscribe() returned");
  CHECK(missed == 0);
}

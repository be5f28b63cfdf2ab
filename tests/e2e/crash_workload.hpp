#pragma once
/// The workload of the crash tests (crash_test.cpp on SQLite, the failover
/// tests on PostgreSQL): jobs of mixed kinds, each with the terminal status
/// it must reach, and the check that every acknowledged job did so along a
/// valid path of the state machine, running again only after a crash.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

enum class job_kind { sleep, retried, doomed, delayed, child_of_good, child_of_doomed };

struct submitted_job {
  job_kind kind;
  std::string expected_status;
};

/// What a client submits, and what the job must end as.
struct job_mix {
  std::mt19937_64 rng;
  std::vector<std::string> good_parents;    // acknowledged jobs that will complete
  std::vector<std::string> doomed_parents;  // acknowledged jobs that will fail

  std::pair<boost::json::object, submitted_job> next() {
    namespace json = boost::json;
    const auto pick = rng() % 100;
    const auto ms = [&](int lo, int hi) { return lo + static_cast<int>(rng() % (hi - lo)); };
    if (pick < 35)
      return {json::object{{"type", "sleep"}, {"payload", {{"ms", ms(0, 40)}}}},
              {job_kind::sleep, "completed"}};
    if (pick < 55)
      return {json::object{{"type", "fail"},
                           {"payload", {{"times", ms(1, 3)}, {"kind", "transient"}}},
                           {"max_attempts", 6},
                           {"retry", {{"initial_backoff_ms", 50}, {"jitter", 0.0}}}},
              {job_kind::retried, "completed"}};
    if (pick < 65)
      return {json::object{{"type", "fail"}, {"payload", {{"times", 99}, {"kind", "permanent"}}}},
              {job_kind::doomed, "failed"}};
    if (pick < 80)
      return {json::object{
                  {"type", "noop"}, {"payload", json::object{}}, {"run_in_ms", ms(100, 2'000)}},
              {job_kind::delayed, "completed"}};
    if (pick < 93 && !good_parents.empty())
      return {json::object{{"type", "noop"},
                           {"payload", json::object{}},
                           {"depends_on", {good_parents[rng() % good_parents.size()]}}},
              {job_kind::child_of_good, "completed"}};
    if (!doomed_parents.empty())
      return {json::object{{"type", "noop"},
                           {"payload", json::object{}},
                           {"depends_on", {doomed_parents[rng() % doomed_parents.size()]}}},
              {job_kind::child_of_doomed, "canceled"}};
    return {json::object{{"type", "noop"}, {"payload", json::object{}}},
            {job_kind::sleep, "completed"}};
  }

  /// Records an acknowledged job as a possible parent of later ones.
  void acknowledged(const std::string& id, const submitted_job& meta) {
    if (meta.expected_status == "completed" && meta.kind != job_kind::child_of_good)
      good_parents.push_back(id);
    if (meta.kind == job_kind::doomed) doomed_parents.push_back(id);
  }
};

/// Whether the state machine lets a job go from `from` to `to`.
inline bool may_go(const std::string& from, const std::string& to) {
  static const std::set<std::pair<std::string, std::string>> allowed{
      {"scheduled", "pending"}, {"scheduled", "canceled"}, {"blocked", "pending"},
      {"blocked", "canceled"},  {"pending", "running"},    {"pending", "canceled"},
      {"running", "completed"}, {"running", "retrying"},   {"running", "failed"},
      {"running", "canceled"},  {"running", "pending"},    {"retrying", "pending"},
      {"retrying", "canceled"}, {"failed", "pending"}};
  return allowed.count({from, to}) > 0;
}

/// What is wrong with the acknowledged jobs, counted (each case is also
/// told with UNSCOPED_INFO).
struct workload_faults {
  std::size_t missing = 0;
  std::size_t wrong_end = 0;
  std::size_t bad_history = 0;
  std::size_t unexplained_reruns = 0;  ///< an attempt sent back by anything but a crash
};

/// Checks every acknowledged job against the jobs found (by id).
inline workload_faults check_workload(const std::map<std::string, submitted_job>& acked,
                                      const std::map<std::string, boost::json::object>& jobs) {
  namespace json = boost::json;
  workload_faults f;
  for (const auto& [id, meta] : acked) {
    auto it = jobs.find(id);
    if (it == jobs.end()) {
      ++f.missing;
      UNSCOPED_INFO("acknowledged job " << id << " is missing");
      continue;
    }
    const auto& j = it->second;
    const std::string status(j.at("status").as_string());
    if (status != meta.expected_status) {
      ++f.wrong_end;
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
        ++f.unexplained_reruns;
    }
    for (const auto& h : history)
      completions += h.at("to") == "completed";
    valid = valid && std::string(history.back().at("to").as_string()) == status && completions <= 1;
    if (!valid) {
      ++f.bad_history;
      UNSCOPED_INFO("job " << id << " has an invalid history: " << json::serialize(j));
    }
  }
  return f;
}

}  // namespace e2e

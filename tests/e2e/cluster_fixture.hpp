#pragma once
// A coordinator with a cluster port and worker node processes, for the
// cluster's end-to-end tests.
#include "served_jobforge.hpp"

#include <csignal>
#include <ctime>
#include <iomanip>
#include <map>
#include <set>

namespace e2e::cluster {

namespace json = boost::json;

/// A coordinator (no executors of its own unless asked) with a cluster port.
struct coordinator {
  int cluster_port = free_loopback_port();
  served_jobforge jf;

  explicit coordinator(std::vector<std::string> extra = {}, std::vector<std::string> env = {},
                       std::optional<std::string> data_dir = std::nullopt, int port = 0)
      : cluster_port(port != 0 ? port : free_loopback_port()),
        jf(with_cluster(std::move(extra), port != 0 ? port : cluster_port), std::move(data_dir),
           std::move(env)) {}

  static std::vector<std::string> with_cluster(std::vector<std::string> extra, int port) {
    extra.insert(extra.end(), {"--cluster-port", std::to_string(port)});
    if (std::find(extra.begin(), extra.end(), "--executors") == extra.end())
      extra.insert(extra.end(), {"--executors", "0"});
    return extra;
  }

  std::string join_address() const { return "127.0.0.1:" + std::to_string(cluster_port); }

  /// The node's current session as the coordinator lists it, if up.
  std::optional<json::object> node(const std::string& id) {
    auto r = jf.get("/api/cluster/nodes");
    REQUIRE(r.status == 200);
    for (const auto& n : r.object().at("items").as_array())
      if (n.at("id").as_string() == id && n.at("state").as_string() == "up") return n.as_object();
    return std::nullopt;
  }

  bool wait_up(const std::string& id, std::chrono::milliseconds timeout = 10s) {
    return eventually([&] { return node(id).has_value(); }, timeout);
  }
};

inline std::unique_ptr<child_process> start_worker(const coordinator& c, const std::string& id,
                                                   const std::string& types, int executors = 4,
                                                   std::vector<std::string> env = {}) {
  std::vector<std::string> args{
      JOBFORGE_BINARY, "worker", "--join",      c.join_address(),
      "--node-id",     id,       "--executors", std::to_string(executors)};
  if (!types.empty()) args.insert(args.end(), {"--types", types});
  auto p = std::make_unique<child_process>(args, env);
  REQUIRE(p->spawned());
  return p;
}

/// The value of an unlabelled metric in a /metrics text (fails the test when absent).
inline double metric_value(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(metrics.substr(at + name.size() + 2));
}

inline json::object fetch(served_jobforge& jf, const std::string& id) {
  auto r = jf.get("/api/jobs/" + id);
  REQUIRE(r.status == 200);
  return r.object();
}

inline bool terminal(const std::string& s) {
  return s == "completed" || s == "failed" || s == "canceled";
}

inline bool wait_terminal(served_jobforge& jf, const std::vector<std::string>& ids,
                          std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        for (const auto& id : ids)
          if (!terminal(std::string(fetch(jf, id).at("status").as_string()))) return false;
        return true;
      },
      timeout);
}

/// The node of each attempt, from the job's history.
inline std::vector<std::string> attempt_nodes(const json::object& j) {
  std::vector<std::string> out;
  for (const auto& h : j.at("history").as_array())
    if (h.at("to").as_string() == "running") out.emplace_back(h.at("node").as_string());
  return out;
}

/// Every consecutive pair of the history is a transition the status
/// machine allows, starting from the first status.
inline void check_valid_path(const json::object& j) {
  static const std::set<std::pair<std::string, std::string>> allowed{
      {"pending", "running"},   {"pending", "canceled"}, {"running", "completed"},
      {"running", "retrying"},  {"running", "failed"},   {"running", "canceled"},
      {"running", "pending"},   {"retrying", "pending"}, {"retrying", "canceled"},
      {"scheduled", "pending"}, {"blocked", "pending"},  {"scheduled", "canceled"},
      {"blocked", "canceled"},  {"failed", "pending"}};
  const auto& h = j.at("history").as_array();
  REQUIRE_FALSE(h.empty());
  for (std::size_t i = 1; i < h.size(); ++i) {
    const std::string from(h[i].at("from").as_string());
    const std::string to(h[i].at("to").as_string());
    INFO("job " << j.at("id").as_string() << " step " << i << ": " << from << " -> " << to);
    CHECK(from == std::string(h[i - 1].at("to").as_string()));
    CHECK(allowed.count({from, to}) == 1);
  }
}

/// An RFC 3339 UTC time with milliseconds, as jobforge writes it.
inline std::chrono::system_clock::time_point parse_utc(std::string_view text) {
  std::tm tm{};
  std::istringstream in{std::string(text.substr(0, 19))};
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  REQUIRE_FALSE(in.fail());
  const int ms = text.size() > 23 ? std::stoi(std::string(text.substr(20, 3))) : 0;
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(ms);
}

inline int count_status(const json::object& j, const char* status) {
  int n = 0;
  for (const auto& h : j.at("history").as_array())
    if (h.at("to").as_string() == status) ++n;
  return n;
}

/// Submits `count` sleep jobs of `ms` each and waits until node `id` runs
/// `running` of them.
inline std::vector<std::string> load_node(coordinator& c, const std::string& id, int count, int ms,
                                          std::int64_t running) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i)
    ids.push_back(submit(c.jf, sleep_job(ms)));
  REQUIRE(eventually(
      [&] {
        auto n = c.node(id);
        return n && n->at("running").as_int64() >= running;
      },
      10s));
  return ids;
}

/// Waits (up to 3 s) until node `id` is no longer up; how long since `since`.
inline std::chrono::milliseconds wait_given_up(coordinator& c, const std::string& id,
                                               clock_type::time_point since) {
  REQUIRE(eventually([&] { return !c.node(id).has_value(); }, 3s));
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since);
}

/// Every job of `ids` ends, completed exactly once, along a valid path.
inline void check_completed_once(served_jobforge& jf, const std::vector<std::string>& ids) {
  REQUIRE(wait_terminal(jf, ids, 30s));
  for (const auto& id : ids) {
    const auto j = fetch(jf, id);
    check_valid_path(j);
    CHECK(j.at("status").as_string() == "completed");
    CHECK(count_status(j, "completed") == 1);
  }
}

}  // namespace e2e::cluster

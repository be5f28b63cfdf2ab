#pragma once
/// A worker node: runs attempts for a coordinator on another process or
/// machine. It joins the coordinator's cluster port over CAF's network
/// layer, announces its node id, protocol version, the job types of its
/// registry it runs and its capacity, and offers its executors; the job's
/// supervisor stays on the coordinator, only attempts run here. When the
/// coordinator goes away (or is silent past the heartbeat timeout), the
/// node stops the attempts it runs (their stop tokens turn true) and joins
/// again as a new session, trying each address in turn with a backoff.
///
///   jobforge::job_type_registry types;
///   my_app::register_types(types);  // handlers of its own
///   jobforge::worker_options o;
///   o.join = *jobforge::parse_join_list("coordinator:7070");
///   jobforge::worker_node node(std::move(types), o);
///   node.run();  // until node.stop() from another thread

#include "cluster/cluster_settings.hpp"
#include "model/job_type_registry.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

struct worker_options {
  std::vector<cluster_address> join;  ///< tried in turn
  std::string node_id;                ///< stable across restarts; empty: the host name
  std::size_t executors = 16;
  /// The types it runs; empty: every type of its registry.
  std::vector<std::string> types;
  std::string token;  ///< the coordinator's cluster.token
  cluster_tls tls;
  cluster_heartbeat heartbeat;
  milliseconds progress_interval{100};
  milliseconds first_backoff{100};  ///< between failed joins, doubling
  milliseconds max_backoff{5'000};
  milliseconds join_timeout{3'000};  ///< for a connection, and for the coordinator's answer
  unsigned scheduler_threads = 0;    ///< CAF worker threads; 0 = one per core
};

/// What the node is doing, for callers and tests.
struct worker_status {
  bool joined = false;
  std::uint64_t session = 0;
  std::size_t joins = 0;  ///< sessions so far
  std::string coordinator;
  std::string last_problem;  ///< why the last join failed or the last session ended
};

class worker_node {
 public:
  /// Checks the options (types known to `types`, TLS files set together
  /// and readable); throws std::invalid_argument naming the problem.
  worker_node(job_type_registry types, worker_options options);
  ~worker_node();  ///< stop(), and waits for run() to return
  worker_node(const worker_node&) = delete;
  worker_node& operator=(const worker_node&) = delete;

  /// Joins and serves, rejoining whenever the coordinator is lost, until
  /// stop(). Blocks.
  void run();
  /// Makes run() return: running attempts are told to stop.
  void stop();
  worker_status status() const;
  const std::string& node_id() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge

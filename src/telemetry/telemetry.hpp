#pragma once
/// What operators watch (SPEC §9): figures gathered from the runtime's
/// status events (per-type counts, run and wait times, throughput) and read
/// from the runtime when asked (queue depth, executors, store batches),
/// served as Prometheus text (`GET /metrics`) and as JSON (`GET /api/stats`).
/// It knows the runtime, not HTTP: the routes in src/http/ serve what it
/// renders.

#include "model/job_statistics.hpp"
#include "model/stats_series.hpp"
#include "runtime/runtime.hpp"

#include <boost/json/value.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace jobforge {

class telemetry {
 public:
  /// Starts following `rt`'s events; `rt` must outlive this object.
  explicit telemetry(runtime& rt);
  ~telemetry();
  telemetry(const telemetry&) = delete;
  telemetry& operator=(const telemetry&) = delete;

  /// Every metric in the Prometheus text format (version 0.0.4).
  std::string prometheus_text();
  /// The body of GET /api/stats.
  boost::json::value stats_json();
  /// One type's figures, for GET /api/job-types.
  boost::json::value type_stats_json(std::string_view type);
  /// The body of GET /api/stats/series: the last `seconds` (1..900) second
  /// by second, latency windows, the last minute's percentiles, top errors.
  boost::json::value series_json(std::int64_t seconds);
  /// The data of an SSE `event: stats`: the last seconds' counts, the last
  /// minute's percentiles, the queue, the executors and the counts by
  /// status (all kept in memory: no store is counted).
  boost::json::value live_json();
  /// How many status changes were seen so far (a stats event is worth
  /// sending only when this moved).
  std::uint64_t changes() const { return changes_.load(std::memory_order_relaxed); }

  /// Feeds one event (the subscription calls it; tests may too).
  void observe(const job_event& e);

 private:
  struct families;
  struct type_metrics;
  /// The metrics of one type, created on first use (mutex_ held).
  type_metrics& metrics_of(const std::string& type);
  void refresh_gauges();
  void refresh_cluster_gauges();
  void refresh_schedule_metrics();

  runtime& rt_;
  timestamp started_;
  std::mutex mutex_;  ///< guards stats_, last_store_, last_cluster_ and schedule_names_
  job_statistics stats_;
  stats_series series_;
  std::atomic<std::uint64_t> changes_{0};
  store_writer_stats last_store_;
  cluster_activity last_cluster_;
  std::set<std::string> schedule_names_;  ///< those with series now
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<families> metrics_;
  /// Per type, so that an event finds its metrics without a label lookup.
  std::map<std::string, std::unique_ptr<type_metrics>, std::less<>> by_type_;
  subscription feed_;
};

}  // namespace jobforge

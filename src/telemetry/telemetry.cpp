#include "telemetry/telemetry.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>

namespace jobforge {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

/// Every kind of attempt failure, each shown at zero from the start.
constexpr std::array<error_kind, 5> error_kinds{error_kind::transient, error_kind::permanent,
                                                error_kind::timeout, error_kind::crash,
                                                error_kind::node_lost};

const Histogram::BucketBoundaries& duration_buckets() {
  static const Histogram::BucketBoundaries b{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,     10,   30,    60,   300, 900,  3600};
  return b;
}

// store_writer_stats::by_size_log2[k] counts sizes in [2^k, 2^(k+1)).
Histogram::BucketBoundaries batch_size_buckets() {
  Histogram::BucketBoundaries b;
  for (int k = 0; k < 15; ++k)
    b.push_back(std::exp2(k + 1) - 1);
  return b;
}

// store_writer_stats::commit_us_log2[k] counts commits under 2^k µs.
Histogram::BucketBoundaries commit_buckets() {
  Histogram::BucketBoundaries b;
  for (int k = 0; k < 23; ++k)
    b.push_back(std::exp2(k) / 1e6);
  return b;
}

boost::json::object duration_json(const duration_histogram& h) {
  return {{"count", h.count()},
          {"avg", std::round(h.average_ms() * 10) / 10},
          {"p95", std::round(h.quantile_ms(0.95) * 10) / 10}};
}

boost::json::object type_json(const type_statistics& s, timestamp now) {
  return {{"submitted", s.submitted},
          {"started", s.started},
          {"completed", s.completed},
          {"failed", s.failed},
          {"retried", s.retried},
          {"canceled", s.canceled},
          {"failure_rate", s.failure_rate()},
          {"completed_per_second_1m", std::round(s.completed_per_second(now) * 1000) / 1000},
          {"run_time_ms", duration_json(s.run_time)},
          {"wait_time_ms", duration_json(s.wait_time)}};
}

timestamp wall_now() {
  return timestamp{std::chrono::duration_cast<milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())};
}

boost::json::object percentiles_json(const duration_histogram& h) {
  return {{"count", h.count()},
          {"p50", std::round(h.quantile_ms(0.5) * 10) / 10},
          {"p95", std::round(h.quantile_ms(0.95) * 10) / 10}};
}

boost::json::object latency_json(const stats_series::latency& l) {
  return {{"from", format_rfc3339(from_unix_ms(l.from * 1000))},
          {"wait_ms", percentiles_json(l.wait)},
          {"run_ms", percentiles_json(l.run)}};
}

boost::json::array counts_json(const std::vector<std::uint64_t>& counts) {
  boost::json::array out;
  out.reserve(counts.size());
  for (const auto n : counts)
    out.emplace_back(n);
  return out;
}

/// The queue and executors of GET /api/stats and of the stats event.
void add_scheduler_json(const scheduler_stats& s, boost::json::object& out) {
  boost::json::object by_priority;
  static const char* names[] = {"low", "normal", "high", "critical"};
  for (int p = 0; p < 4; ++p)
    by_priority[names[p]] = s.ready_by_priority[p];
  const auto busy = s.executors - std::min(s.idle_executors, s.executors);
  out["queue"] = boost::json::object{{"ready", s.ready},
                                     {"by_priority", std::move(by_priority)},
                                     {"scheduled", s.scheduled},
                                     {"blocked", s.blocked}};
  out["executors"] = boost::json::object{
      {"total", s.executors},
      {"busy", busy},
      {"utilization",
       s.executors == 0 ? 0.0 : static_cast<double>(busy) / static_cast<double>(s.executors)}};
}

/// Counts by status, as the store keeps them in memory.
boost::json::object status_counts_json(const status_counts& counts) {
  boost::json::object jobs;
  for (const auto status : all_job_statuses)
    jobs[to_string(status)] = counts.of(status);
  return jobs;
}

constexpr std::int64_t live_seconds = 5;  ///< seconds of counts in a stats event
constexpr std::int64_t top_error_seconds = 300;
constexpr std::size_t top_error_groups = 10;

}  // namespace

struct telemetry::families {
  explicit families(prometheus::Registry& r)
      : created(prometheus::BuildCounter()
                    .Name("jobforge_jobs_created_total")
                    .Help("Jobs submitted, by type")
                    .Register(r)),
        started(prometheus::BuildCounter()
                    .Name("jobforge_jobs_started_total")
                    .Help("Attempts started, by type")
                    .Register(r)),
        completed(prometheus::BuildCounter()
                      .Name("jobforge_jobs_completed_total")
                      .Help("Jobs completed, by type")
                      .Register(r)),
        failed(prometheus::BuildCounter()
                   .Name("jobforge_jobs_failed_total")
                   .Help("Jobs failed for good (dead-lettered), by type")
                   .Register(r)),
        retried(prometheus::BuildCounter()
                    .Name("jobforge_jobs_retried_total")
                    .Help("Failed attempts that will be retried, by type")
                    .Register(r)),
        canceled(prometheus::BuildCounter()
                     .Name("jobforge_jobs_canceled_total")
                     .Help("Jobs canceled, by type")
                     .Register(r)),
        attempts_failed(prometheus::BuildCounter()
                            .Name("jobforge_attempts_failed_total")
                            .Help("Attempts that ended in an error, by type and kind (transient, "
                                  "permanent, timeout, crash, node_lost)")
                            .Register(r)),
        run_time(prometheus::BuildHistogram()
                     .Name("jobforge_job_run_seconds")
                     .Help("How long attempts ran, by type")
                     .Register(r)),
        wait_time(prometheus::BuildHistogram()
                      .Name("jobforge_job_wait_seconds")
                      .Help("How long ready jobs waited for an executor, by type")
                      .Register(r)),
        queue(prometheus::BuildGauge()
                  .Name("jobforge_queue_depth")
                  .Help("Ready jobs waiting for an executor, by priority")
                  .Register(r)),
        waiting(prometheus::BuildGauge()
                    .Name("jobforge_jobs_waiting")
                    .Help("Jobs waiting for their time (scheduled) or their parents (blocked)")
                    .Register(r)),
        running(prometheus::BuildGauge()
                    .Name("jobforge_jobs_running")
                    .Help("Attempts running now")
                    .Register(r)
                    .Add({})),
        executors(prometheus::BuildGauge()
                      .Name("jobforge_executors")
                      .Help("Executors (attempts that may run at once)")
                      .Register(r)
                      .Add({})),
        utilization(prometheus::BuildGauge()
                        .Name("jobforge_executor_utilization")
                        .Help("Busy executors / executors")
                        .Register(r)
                        .Add({})),
        by_status(prometheus::BuildGauge()
                      .Name("jobforge_jobs")
                      .Help("Jobs in the store, by status")
                      .Register(r)),
        store_batches(prometheus::BuildCounter()
                          .Name("jobforge_store_transactions_total")
                          .Help("Store transactions committed (group commits)")
                          .Register(r)
                          .Add({})),
        store_writes(prometheus::BuildCounter()
                         .Name("jobforge_store_writes_total")
                         .Help("Job writes committed")
                         .Register(r)
                         .Add({})),
        batch_size(prometheus::BuildHistogram()
                       .Name("jobforge_store_batch_size")
                       .Help("Writes per store transaction")
                       .Register(r)
                       .Add({}, batch_size_buckets())),
        commit_time(prometheus::BuildHistogram()
                        .Name("jobforge_store_commit_seconds")
                        .Help("How long store transactions took to commit")
                        .Register(r)
                        .Add({}, commit_buckets())),
        writes_refused(prometheus::BuildGauge()
                           .Name("jobforge_store_refused_writes")
                           .Help("Writes the store refused and that wait for the next try "
                                 "(0 unless it refuses writes now: a full or failing disk)")
                           .Register(r)
                           .Add({})),
        outages(prometheus::BuildCounter()
                    .Name("jobforge_store_outages_total")
                    .Help("Times the store began refusing writes")
                    .Register(r)
                    .Add({})),
        nodes_up(prometheus::BuildGauge()
                     .Name("jobforge_cluster_nodes_up")
                     .Help("Worker nodes joined and up (this process not counted)")
                     .Register(r)
                     .Add({})),
        node_running(prometheus::BuildGauge()
                         .Name("jobforge_cluster_node_running")
                         .Help("Attempts running now, by node")
                         .Register(r)),
        remote_dispatches(prometheus::BuildCounter()
                              .Name("jobforge_cluster_remote_dispatches_total")
                              .Help("Attempts sent to worker nodes")
                              .Register(r)
                              .Add({})),
        node_losses(prometheus::BuildCounter()
                        .Name("jobforge_cluster_node_losses_total")
                        .Help("Worker node sessions lost (killed, hung, cut off, rejoined)")
                        .Register(r)
                        .Add({})),
        attempts_lost(prometheus::BuildCounter()
                          .Name("jobforge_cluster_attempts_lost_total")
                          .Help("Attempts lost with their node (their jobs run again elsewhere)")
                          .Register(r)
                          .Add({})),
        stale_reports(prometheus::BuildCounter()
                          .Name("jobforge_cluster_stale_reports_total")
                          .Help("Results and progress dropped: their lease was no longer current")
                          .Register(r)
                          .Add({})),
        order_messages(prometheus::BuildCounter()
                           .Name("jobforge_cluster_order_messages_total")
                           .Help("Messages that carried attempts to worker nodes (each holds "
                                 "those dispatched together)")
                           .Register(r)
                           .Add({})),
        outcome_messages(prometheus::BuildCounter()
                             .Name("jobforge_cluster_outcome_messages_total")
                             .Help("Messages that brought attempts' outcomes back from worker "
                                   "nodes (each holds those that ended together)")
                             .Register(r)
                             .Add({})),
        schedule_fires(prometheus::BuildCounter()
                           .Name("jobforge_schedule_fires_total")
                           .Help("Jobs a schedule made (ticks and triggers), by schedule")
                           .Register(r)),
        schedule_skipped(prometheus::BuildCounter()
                             .Name("jobforge_schedule_skipped_ticks_total")
                             .Help("Ticks missed while nothing could fire them that did not "
                                   "fire (on_missed), by schedule")
                             .Register(r)),
        schedule_failures(prometheus::BuildCounter()
                              .Name("jobforge_schedule_failures_total")
                              .Help("Ticks whose job could not be made, by schedule")
                              .Register(r)),
        schedule_next(prometheus::BuildGauge()
                          .Name("jobforge_schedule_next_fire_timestamp_seconds")
                          .Help("When a schedule fires next (Unix time; 0: paused or never)")
                          .Register(r)) {}

  Family<Counter>& created;
  Family<Counter>& started;
  Family<Counter>& completed;
  Family<Counter>& failed;
  Family<Counter>& retried;
  Family<Counter>& canceled;
  Family<Counter>& attempts_failed;
  Family<Histogram>& run_time;
  Family<Histogram>& wait_time;
  Family<Gauge>& queue;
  Family<Gauge>& waiting;
  Gauge& running;
  Gauge& executors;
  Gauge& utilization;
  Family<Gauge>& by_status;
  Counter& store_batches;
  Counter& store_writes;
  Histogram& batch_size;
  Histogram& commit_time;
  Gauge& writes_refused;
  Counter& outages;
  Gauge& nodes_up;
  Family<Gauge>& node_running;
  Counter& remote_dispatches;
  Counter& node_losses;
  Counter& attempts_lost;
  Counter& stale_reports;
  Counter& order_messages;
  Counter& outcome_messages;
  Family<Counter>& schedule_fires;
  Family<Counter>& schedule_skipped;
  Family<Counter>& schedule_failures;
  Family<Gauge>& schedule_next;
};

struct telemetry::type_metrics {
  Counter& created;
  Counter& started;
  Counter& completed;
  Counter& failed;
  Counter& retried;
  Counter& canceled;
  Histogram& run_time;
  Histogram& wait_time;
  /// Failed attempts, by error_kind.
  std::array<Counter*, error_kinds.size()> attempts_failed{};
};

telemetry::type_metrics& telemetry::metrics_of(const std::string& type) {
  auto it = by_type_.find(type);
  if (it != by_type_.end()) return *it->second;
  const prometheus::Labels labels{{"type", type}};
  auto& f = *metrics_;
  auto created = std::unique_ptr<type_metrics>(new type_metrics{
      f.created.Add(labels), f.started.Add(labels), f.completed.Add(labels), f.failed.Add(labels),
      f.retried.Add(labels), f.canceled.Add(labels), f.run_time.Add(labels, duration_buckets()),
      f.wait_time.Add(labels, duration_buckets())});
  for (const auto kind : error_kinds)
    created->attempts_failed[static_cast<std::size_t>(kind)] =
        &f.attempts_failed.Add({{"type", type}, {"kind", std::string(to_string(kind))}});
  return *by_type_.emplace(type, std::move(created)).first->second;
}

telemetry::telemetry(runtime& rt)
    : rt_(rt),
      started_(wall_now()),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(std::make_unique<families>(*registry_)) {
  // Every type shows in the metrics from the start, at zero.
  for (const auto* type : rt_.types().list())
    metrics_of(type->name);
  feed_ = rt_.subscribe([this](const job_event& e) { observe(e); });
}

telemetry::~telemetry() {
  feed_.cancel();
}

void telemetry::observe(const job_event& e) {
  if (e.what != job_event::kind::status) return;
  std::lock_guard lock(mutex_);
  type_metrics& m = metrics_of(e.type);
  const double seconds = static_cast<double>(e.in_previous.count()) / 1000;
  if (!e.from) m.created.Increment();
  if (e.from == job_status::running) m.run_time.Observe(seconds);
  // An attempt that ended in an error (retried, failed for good, or back to
  // pending with its node or the process); a cancellation is no error.
  if (e.from == job_status::running && e.to != job_status::canceled && e.error)
    m.attempts_failed[static_cast<std::size_t>(e.error->kind)]->Increment();
  if (e.to == job_status::running) {
    m.started.Increment();
    if (e.from == job_status::pending) m.wait_time.Observe(seconds);
  }
  switch (e.to) {
    case job_status::completed:
      m.completed.Increment();
      break;
    case job_status::failed:
      m.failed.Increment();
      break;
    case job_status::retrying:
      m.retried.Increment();
      break;
    case job_status::canceled:
      m.canceled.Increment();
      break;
    default:
      break;
  }
  stats_.record(e.type, e.from, e.to, e.in_previous, e.at);
  series_.record(e.type, e.from, e.to, e.in_previous, e.at, e.error ? &*e.error : nullptr);
  changes_.fetch_add(1, std::memory_order_relaxed);
}

void telemetry::refresh_gauges() {
  static const char* priority_names[] = {"low", "normal", "high", "critical"};
  if (auto s = rt_.stats()) {
    for (int p = 0; p < 4; ++p)
      metrics_->queue.Add({{"priority", priority_names[p]}})
          .Set(static_cast<double>(s->ready_by_priority[p]));
    metrics_->waiting.Add({{"status", "scheduled"}}).Set(static_cast<double>(s->scheduled));
    metrics_->waiting.Add({{"status", "blocked"}}).Set(static_cast<double>(s->blocked));
    const auto busy = s->executors - std::min(s->idle_executors, s->executors);
    metrics_->running.Set(static_cast<double>(busy));
    metrics_->executors.Set(static_cast<double>(s->executors));
    metrics_->utilization.Set(
        s->executors == 0 ? 0 : static_cast<double>(busy) / static_cast<double>(s->executors));
  }
  if (auto counts = rt_.counts())
    for (const auto status : all_job_statuses)
      metrics_->by_status.Add({{"status", std::string(to_string(status))}})
          .Set(static_cast<double>(counts->of(status)));
  if (auto store = rt_.store_stats()) {
    std::lock_guard lock(mutex_);
    // The writer keeps running totals; the histograms take what is new.
    std::vector<double> sizes(16), commits(24);
    for (std::size_t k = 0; k < 16; ++k)
      sizes[k] = static_cast<double>(store->by_size_log2[k] - last_store_.by_size_log2[k]);
    for (std::size_t k = 0; k < 24; ++k)
      commits[k] = static_cast<double>(store->commit_us_log2[k] - last_store_.commit_us_log2[k]);
    metrics_->batch_size.ObserveMultiple(sizes,
                                         static_cast<double>(store->writes - last_store_.writes));
    metrics_->commit_time.ObserveMultiple(commits,
                                          store->commit_seconds - last_store_.commit_seconds);
    metrics_->store_batches.Increment(static_cast<double>(store->batches - last_store_.batches));
    metrics_->store_writes.Increment(static_cast<double>(store->writes - last_store_.writes));
    last_store_ = *store;
  }
  {
    const auto outage = rt_.write_outage();
    metrics_->writes_refused.Set(outage ? static_cast<double>(outage->waiting_writes) : 0.0);
    const auto began = static_cast<double>(rt_.write_outages());
    if (began > metrics_->outages.Value())
      metrics_->outages.Increment(began - metrics_->outages.Value());
  }
  refresh_cluster_gauges();
  refresh_schedule_metrics();
}

namespace {

// Sets a counter to a running total the runtime keeps. A total below the
// counter's value (a schedule deleted and made again under its name)
// starts the series over, as a restarted process's counter would.
void set_total(Family<Counter>& family, const prometheus::Labels& labels, double total) {
  auto* c = &family.Add(labels);
  if (c->Value() > total) {
    family.Remove(c);
    c = &family.Add(labels);
  }
  c->Increment(total - c->Value());
}

}  // namespace

void telemetry::refresh_schedule_metrics() {
  auto all = rt_.schedules();
  if (!all) return;
  std::lock_guard lock(mutex_);
  std::set<std::string> now;
  for (const auto& s : *all) {
    const auto& name = s.definition.name;
    now.insert(name);
    const prometheus::Labels labels{{"schedule", name}};
    set_total(metrics_->schedule_fires, labels, static_cast<double>(s.record.fires));
    set_total(metrics_->schedule_skipped, labels, static_cast<double>(s.record.skipped));
    set_total(metrics_->schedule_failures, labels, static_cast<double>(s.record.failures));
    metrics_->schedule_next.Add(labels).Set(
        s.next_fire_at ? static_cast<double>(to_unix_ms(*s.next_fire_at)) / 1000.0 : 0.0);
  }
  // A deleted schedule's series go with it.
  for (const auto& gone : schedule_names_) {
    if (now.count(gone)) continue;
    const prometheus::Labels labels{{"schedule", gone}};
    metrics_->schedule_fires.Remove(&metrics_->schedule_fires.Add(labels));
    metrics_->schedule_skipped.Remove(&metrics_->schedule_skipped.Add(labels));
    metrics_->schedule_failures.Remove(&metrics_->schedule_failures.Add(labels));
    metrics_->schedule_next.Remove(&metrics_->schedule_next.Add(labels));
  }
  schedule_names_ = std::move(now);
}

void telemetry::refresh_cluster_gauges() {
  if (auto nodes = rt_.cluster_nodes()) {
    std::size_t up = 0;
    for (const auto& n : *nodes) {
      if (n.state != "up") continue;
      if (n.session != 0) ++up;
      metrics_->node_running.Add({{"node", n.node}}).Set(static_cast<double>(n.running));
    }
    metrics_->nodes_up.Set(static_cast<double>(up));
  }
  const auto c = rt_.cluster_counts();
  std::lock_guard lock(mutex_);
  // The runtime keeps running totals; the counters take what is new.
  metrics_->remote_dispatches.Increment(
      static_cast<double>(c.remote_dispatches - last_cluster_.remote_dispatches));
  metrics_->node_losses.Increment(static_cast<double>(c.nodes_lost - last_cluster_.nodes_lost));
  metrics_->attempts_lost.Increment(
      static_cast<double>(c.attempts_lost - last_cluster_.attempts_lost));
  metrics_->stale_reports.Increment(
      static_cast<double>(c.stale_reports - last_cluster_.stale_reports));
  metrics_->order_messages.Increment(
      static_cast<double>(c.order_messages - last_cluster_.order_messages));
  metrics_->outcome_messages.Increment(
      static_cast<double>(c.outcome_messages - last_cluster_.outcome_messages));
  last_cluster_ = c;
}

std::string telemetry::prometheus_text() {
  refresh_gauges();
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, registry_->Collect());
  return out.str();
}

boost::json::value telemetry::stats_json() {
  boost::json::object out;
  if (auto counts = rt_.counts()) out["jobs"] = status_counts_json(*counts);
  if (auto s = rt_.stats()) add_scheduler_json(*s, out);
  if (auto store = rt_.store_stats())
    out["store"] = boost::json::object{
        {"transactions", store->batches},
        {"writes", store->writes},
        {"commit_seconds", store->commit_seconds},
        {"writes_per_transaction", store->batches == 0 ? 0.0
                                                       : static_cast<double>(store->writes) /
                                                             static_cast<double>(store->batches)}};
  std::lock_guard lock(mutex_);
  const timestamp now = wall_now();
  out["throughput"] = boost::json::object{
      {"completed_per_second_10s", stats_.throughput(now, std::chrono::seconds{10})},
      {"completed_per_second_1m", stats_.throughput(now, std::chrono::seconds{60})}};
  boost::json::object types;
  for (const auto& [name, s] : stats_.by_type())
    types[name] = type_json(s, now);
  out["types"] = std::move(types);
  out["since"] = format_rfc3339(started_);
  return out;
}

boost::json::value telemetry::type_stats_json(std::string_view type) {
  std::lock_guard lock(mutex_);
  return type_json(stats_.of(type), wall_now());
}

boost::json::value telemetry::series_json(std::int64_t seconds) {
  std::lock_guard lock(mutex_);
  const timestamp now = wall_now();
  const auto counts = series_.counts(now, seconds);
  boost::json::array windows;
  for (const auto& w : series_.windows(now, seconds))
    windows.push_back(latency_json(w));
  boost::json::array errors;
  for (const auto& g : series_.top_errors(now, top_error_seconds, top_error_groups))
    errors.push_back(boost::json::object{{"type", g.type},
                                         {"code", g.code},
                                         {"count", g.count},
                                         {"message", g.message},
                                         {"last_at", format_rfc3339(g.last_at)}});
  return boost::json::object{
      {"now", format_rfc3339(now)},
      {"step_ms", 1000},
      {"from", format_rfc3339(from_unix_ms(counts.from * 1000))},
      {"completed", counts_json(counts.completed)},
      {"failed", counts_json(counts.failed)},
      {"latency", boost::json::object{{"step_ms", stats_series::window_seconds * 1000},
                                      {"windows", std::move(windows)}}},
      {"last_minute", latency_json(series_.merged(now, 60))},
      {"top_errors", std::move(errors)},
      {"top_errors_seconds", top_error_seconds}};
}

boost::json::value telemetry::live_json() {
  boost::json::object out;
  if (auto counts = rt_.counts()) out["jobs"] = status_counts_json(*counts);
  if (auto s = rt_.stats()) add_scheduler_json(*s, out);
  std::lock_guard lock(mutex_);
  const timestamp now = wall_now();
  const auto counts = series_.counts(now, live_seconds);
  out["at"] = format_rfc3339(now);
  out["step_ms"] = 1000;
  out["from"] = format_rfc3339(from_unix_ms(counts.from * 1000));
  out["completed"] = counts_json(counts.completed);
  out["failed"] = counts_json(counts.failed);
  out["last_minute"] = latency_json(series_.merged(now, 60));
  return out;
}

}  // namespace jobforge

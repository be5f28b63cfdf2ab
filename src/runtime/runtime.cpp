#include "runtime/runtime.hpp"

#include "cluster/cluster_gateway.hpp"
#include "cluster/tls_refusals.hpp"
#include "runtime/blocking_callers.hpp"
#include "runtime/runtime_core.hpp"
#include "runtime/thread_policy.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace jobforge {
namespace {

// Calls that the runtime always answers wait without a CAF timeout: in CAF
// 0.17.6 a request timeout stays in the clock (holding the requester) until
// it expires, even after the answer came, which costs memory and clock
// traffic on every call (docs/caf-termination-hazard.md).
constexpr caf::infinite_t call_timeout = caf::infinite;

error from_caf(caf::actor_system& sys, const caf::error& e) {
  if (e == caf::sec::request_timeout)
    return error{error_code::timeout, "the runtime did not answer in time"};
  return error{error_code::unavailable, "the runtime is unavailable: " + sys.render(e)};
}

}  // namespace

struct runtime::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<const job_type_registry> types;
  std::unique_ptr<blocking_callers> callers;
  runtime_actors actors;
  caf::actor gateway;  ///< when worker nodes may join
  std::optional<std::uint16_t> cluster_port;
  bool cluster_tls = false;
  bool stopped = false;

  /// `unavailable` while the store writer holds writes the store refused:
  /// a change is refused at once, before anything changes, rather than
  /// acknowledged while it cannot be committed. (Submissions are refused by
  /// the scheduler itself, which every way in goes through.)
  expected<void> writable() const {
    return actors.env ? actors.env->write_outage->writable() : expected<void>{};
  }

  /// Publishes the cluster gateway; throws startup_error when it cannot.
  void open_cluster(const cluster_listen& listen);

  /// One request to an actor, blocking for its answer.
  template <class Reply, class Duration, class... Ts>
  Reply call(const caf::actor& dest, Duration timeout, Ts&&... xs) {
    if (stopped) return Reply{error{error_code::unavailable, "the runtime has been shut down"}};
    std::optional<Reply> out;
    const auto ask = [&](caf::blocking_actor* self) {
      self->request(dest, timeout, std::forward<Ts>(xs)...)
          .receive([&](Reply& r) { out = std::move(r); },
                   [&](caf::error& e) { out = Reply{from_caf(*sys, e)}; });
    };
    if constexpr (std::is_same_v<Duration, caf::infinite_t>) {
      auto self = callers->borrow();
      ask((*self).ptr());
    } else {
      caf::scoped_actor self{*sys};  // a late answer must not reach a reused actor
      ask(self.ptr());
    }
    return std::move(*out);
  }

  template <class T, class... Ts>
  expected<T> call_plain(const caf::actor& dest, Ts&&... xs);
};

/// One request to an actor that answers a plain `T` (not an expected).
template <class T, class... Ts>
expected<T> runtime::impl::call_plain(const caf::actor& dest, Ts&&... xs) {
  if (stopped) return error{error_code::unavailable, "the runtime has been shut down"};
  auto self = callers->borrow();
  std::optional<expected<T>> out;
  self->request(dest, call_timeout, std::forward<Ts>(xs)...)
      .receive([&](T& value) { out = expected<T>{std::move(value)}; },
               [&](caf::error& e) { out = expected<T>{from_caf(*sys, e)}; });
  return std::move(*out);
}

struct subscription::impl {
  caf::actor subscriber;
  caf::actor events;
};

subscription::subscription() = default;
subscription::subscription(subscription&& other) noexcept = default;

subscription& subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

subscription::~subscription() {
  cancel();
}

void subscription::cancel() {
  if (!impl_) return;
  caf::anon_send(impl_->events, unsubscribe_atom::value, impl_->subscriber);
  caf::anon_send_exit(impl_->subscriber, caf::exit_reason::user_shutdown);
  impl_.reset();
}

runtime::runtime(job_type_registry types, runtime_config config, std::shared_ptr<store> backend)
    : impl_(std::make_unique<impl>()) {
  config.mode = execution_mode::threads;
  impl_->types = std::make_shared<const job_type_registry>(std::move(types));
  // One CAF worker per core: more only adds work stealing on a small box.
  const auto threads = config.scheduler_threads > 0
                           ? config.scheduler_threads
                           : std::max(1u, std::thread::hardware_concurrency());
  impl_->cfg.set("scheduler.max-threads", static_cast<std::size_t>(threads));
  // An idle CAF worker spins briefly, then sleeps on its condition variable
  // until work arrives. CAF's default has it nap 50 us at a time, up to 500
  // times, after every message: at 200 jobs/s that kept the workers waking
  // 20,000 times a second (0.45 cores of an idle server, 79 context switches
  // per job). Without the naps: 0.22 cores, 17 switches, the same latency,
  // and no loss under load (bench/README.md, 2026-12-02).
  impl_->cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  announce_wire_types(impl_->cfg);
  const auto cluster = config.cluster;
  if (cluster) {
    if (auto ok = check_cluster_listen(*cluster); !ok) throw startup_error(ok.error_value());
    configure_cluster_transport(impl_->cfg, cluster->tls, cluster->heartbeat);
  }
  // Every thread of the runtime is started below (CAF's here, the store
  // writer's and the executors' by start_runtime) or later by one of those,
  // so it inherits this thread's policy for the span of the construction.
  const batch_policy_scope batch(config.batch_threads);
  impl_->sys = std::make_unique<caf::actor_system>(impl_->cfg);
  impl_->callers = std::make_unique<blocking_callers>(*impl_->sys);
  auto started = start_runtime(*impl_->sys, impl_->types, std::move(config), std::move(backend),
                               make_system_random(), std::chrono::system_clock::now());
  if (!started) {
    impl_->stopped = true;
    throw startup_error(std::move(started).error_value());
  }
  impl_->actors = std::move(started).value();
  if (cluster) impl_->open_cluster(*cluster);
}

void runtime::impl::open_cluster(const cluster_listen& listen) {
  gateway = sys->spawn(cluster_gateway, actors.env, listen.token);
  auto port = listen.tls.enabled()
                  ? caf::openssl::publish(gateway, listen.port, listen.host.c_str(), true)
                  : sys->middleman().publish(gateway, listen.port, listen.host.c_str(), true);
  if (!port) {
    const auto why = sys->render(port.error());
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    gateway = nullptr;
    stop_runtime(actors);
    actors = runtime_actors{};
    callers->close();
    stopped = true;
    throw startup_error(
        error{error_code::unavailable, "cannot open the cluster port " + listen.host + ":" +
                                           std::to_string(listen.port) + ": " + why});
  }
  cluster_port = *port;
  cluster_tls = listen.tls.enabled();
  if (cluster_tls) watch_tls_refusals(*cluster_port);
}

runtime::~runtime() {
  shutdown();
}

void runtime::shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->gateway) {
    // The port first: a worker that rejoins at once must find it closed,
    // not a handshake with a system on its way out.
    if (impl_->cluster_port) {
      const auto broker = impl_->cluster_tls ? impl_->sys->openssl_manager().actor_handle()
                                             : impl_->sys->middleman().actor_handle();
      caf::scoped_actor self{*impl_->sys};
      self->send(broker, caf::close_atom::value, *impl_->cluster_port);
    }
    caf::anon_send_exit(impl_->gateway, caf::exit_reason::user_shutdown);
    impl_->gateway = nullptr;
  }
  stop_runtime(impl_->actors);
  // The detached store writer's thread ends only once no handle to it is
  // left (the actor system waits for that thread): the other actors drop
  // theirs with their state when they exit, these are the last.
  impl_->actors = runtime_actors{};
  impl_->callers->close();  // blocking actors would keep the system waiting
  impl_->sys.reset();       // joins CAF's threads once our actors are gone
}

expected<submit_result> runtime::submit(job_request request) {
  return impl_->call<submit_reply>(impl_->actors.scheduler, call_timeout, submit_atom::value,
                                   std::move(request));
}

expected<std::vector<submit_result>> runtime::submit_batch(std::vector<batch_entry> entries) {
  return impl_->call<batch_reply>(impl_->actors.scheduler, call_timeout, submit_batch_atom::value,
                                  std::move(entries));
}

expected<job> runtime::get(const job_id& id) {
  return impl_->call<job_reply>(impl_->actors.store, call_timeout, fetch_atom::value, id);
}

expected<job_page> runtime::list(const job_query& query) {
  if (query.limit < 1 || query.limit > 1000)
    return error{error_code::invalid_argument, "limit must be within 1..1000"};
  return impl_->call<page_reply>(impl_->actors.store, call_timeout, list_atom::value, query);
}

expected<result_download> runtime::result_file(const job_id& id) {
  auto found = get(id);
  if (!found) return std::move(found).error_value();
  return result_file(*found);
}

expected<result_download> runtime::result_file(const job& j) const {
  const auto id_text = to_string(j.id);
  if (j.status != job_status::completed)
    return error{error_code::conflict,
                 "job " + id_text + " is " + std::string(to_string(j.status)) +
                     ": only a completed job has a result",
                 boost::json::object{{"status", to_string(j.status)}}};
  if (!j.result_file)
    return error{error_code::not_found, "job " + id_text +
                                            " has no result file; its result is "
                                            "the JSON in the job"};
  const auto path =
      std::filesystem::path(impl_->actors.env->config.results_dir) / j.result_file->file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return error{error_code::unavailable,
                 "the result file of job " + id_text + " is missing from the results folder",
                 boost::json::object{{"file", j.result_file->file}}};
  return result_download{path.string(), *j.result_file};
}

expected<job> runtime::cancel(const job_id& id, cancel_options options) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  cancel_request req{options.mode, std::move(options.reason), std::move(options.by)};
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, cancel_atom::value, id,
                                std::move(req));
}

expected<job> runtime::wait(const job_id& id, milliseconds timeout) {
  auto r = impl_->call<job_reply>(impl_->actors.scheduler, timeout, wait_atom::value, id);
  if (!r && r.error_value().code == error_code::timeout)
    return error{error_code::timeout,
                 "job " + to_string(id) + " did not finish within " +
                     std::to_string(timeout.count()) + " ms",
                 boost::json::object{{"job_id", to_string(id)}}};
  return r;
}

expected<boost::json::value> runtime::execute_sync(job_request request, milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  auto submitted = submit(std::move(request));
  if (!submitted) return std::move(submitted).error_value();
  const auto left = timeout - std::chrono::duration_cast<milliseconds>(
                                  std::chrono::steady_clock::now() - started);
  auto done = wait(submitted->value.id, std::max(left, milliseconds{1}));
  if (!done) return std::move(done).error_value();
  const job& j = *done;
  if (j.status == job_status::completed) return j.result;
  const auto id_text = to_string(j.id);
  if (j.status == job_status::canceled)
    return error{
        error_code::job_canceled, "job " + id_text + " was canceled",
        boost::json::object{{"job_id", id_text}, {"reason", j.cancel_reason.value_or("")}}};
  boost::json::object details{{"job_id", id_text}};
  std::string message = "job " + id_text + " failed";
  if (j.last_error) {
    details["last_error"] = boost::json::object{{"code", j.last_error->code},
                                                {"message", j.last_error->message},
                                                {"kind", to_string(j.last_error->kind)}};
    message += ": " + j.last_error->message;
  }
  return error{error_code::job_failed, std::move(message), std::move(details)};
}

expected<job> runtime::replay(const job_id& id, std::optional<boost::json::value> payload,
                              std::string by) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  replay_request req{std::move(payload), std::move(by)};
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, replay_atom::value, id,
                                std::move(req));
}

expected<job> runtime::discard(const job_id& id) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, discard_atom::value, id);
}

expected<job> runtime::add_dependencies(const job_id& id, std::vector<job_id> parents) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, depend_atom::value, id,
                                std::move(parents));
}

expected<job> runtime::remove_dependency(const job_id& id, const job_id& parent) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, undepend_atom::value, id,
                                parent);
}

expected<job> runtime::change_priority(const job_id& id, priority p, const std::string& by) {
  if (auto ok = impl_->writable(); !ok) return std::move(ok).error_value();
  return impl_->call<job_reply>(impl_->actors.scheduler, call_timeout, priority_atom::value, id, p,
                                by);
}

expected<job_log_book::lines_of> runtime::job_logs(const job_id& id) {
  return impl_->call_plain<job_log_book::lines_of>(impl_->actors.events, logs_atom::value, id);
}

expected<void> runtime::pause_type(const std::string& type) {
  return impl_->call<void_reply>(impl_->actors.scheduler, call_timeout, pause_atom::value, type);
}

expected<void> runtime::resume_type(const std::string& type) {
  return impl_->call<void_reply>(impl_->actors.scheduler, call_timeout, resume_atom::value, type);
}

expected<scheduler_stats> runtime::stats() {
  return impl_->call_plain<scheduler_stats>(impl_->actors.scheduler, stats_atom::value);
}

expected<std::vector<schedule_status>> runtime::schedules() {
  return impl_->call_plain<std::vector<schedule_status>>(impl_->actors.schedules,
                                                         schedule_list_atom::value);
}

expected<schedule_status> runtime::schedule(const std::string& name) {
  auto all = schedules();
  if (!all) return std::move(all).error_value();
  for (auto& s : *all)
    if (s.definition.name == name) return std::move(s);
  return error{error_code::not_found, "no schedule '" + name + "'",
               boost::json::object{{"schedule", name}}};
}

expected<schedule_status> runtime::create_schedule(schedule_definition definition,
                                                   const std::string& by) {
  return impl_->call<schedule_reply>(impl_->actors.schedules, call_timeout,
                                     schedule_create_atom::value, std::move(definition), by);
}

expected<void> runtime::delete_schedule(const std::string& name, const std::string& by) {
  return impl_->call<void_reply>(impl_->actors.schedules, call_timeout, schedule_delete_atom::value,
                                 name, by);
}

expected<schedule_status> runtime::pause_schedule(const std::string& name, bool paused,
                                                  const std::string& by) {
  return impl_->call<schedule_reply>(impl_->actors.schedules, call_timeout,
                                     schedule_pause_atom::value, name, paused, by);
}

expected<submit_result> runtime::trigger_schedule(const std::string& name, const std::string& by) {
  return impl_->call<submit_reply>(impl_->actors.schedules, call_timeout,
                                   schedule_trigger_atom::value, name, by);
}

expected<status_counts> runtime::counts() {
  return impl_->call<counts_reply>(impl_->actors.store, call_timeout, count_atom::value);
}

expected<store_writer_stats> runtime::store_stats() {
  return impl_->call_plain<store_writer_stats>(impl_->actors.store, stats_atom::value);
}

expected<void> runtime::flush() {
  return impl_->call<void_reply>(impl_->actors.store, call_timeout, sync_atom::value);
}

expected<void> runtime::drain(milliseconds grace) {
  if (auto ok = impl_->call<void_reply>(impl_->actors.scheduler, call_timeout, drain_atom::value,
                                        static_cast<std::int64_t>(grace.count()));
      !ok)
    return ok;
  // Supervisors persist their last transitions before they end: one sync
  // after the scheduler answered commits them all.
  return impl_->call<void_reply>(impl_->actors.store, call_timeout, sync_atom::value);
}

subscription runtime::subscribe(std::function<void(const job_event&)> callback) {
  subscription s;
  auto subscriber = spawn_subscriber(*impl_->sys, std::move(callback));
  s.impl_ =
      std::make_unique<subscription::impl>(subscription::impl{subscriber, impl_->actors.events});
  // Wait until the hub has it: every event published after this returns is delivered.
  if (auto ok = impl_->call<void_reply>(impl_->actors.events, call_timeout, subscribe_atom::value,
                                        subscriber);
      !ok)
    spdlog::warn("event subscription failed: {}", ok.error_value().message);
  return s;
}

std::optional<std::uint16_t> runtime::cluster_port() const {
  return impl_->cluster_port;
}

expected<std::vector<cluster_node>> runtime::cluster_nodes() {
  auto loads =
      impl_->call_plain<std::vector<node_load>>(impl_->actors.scheduler, nodes_atom::value);
  if (!loads) return std::move(loads).error_value();
  std::vector<cluster_node_record> records;
  if (impl_->gateway) {
    auto r = impl_->call_plain<std::vector<cluster_node_record>>(impl_->gateway, nodes_atom::value);
    if (!r) return std::move(r).error_value();
    records = std::move(r).value();
  }
  std::vector<cluster_node> out;
  // This process's own executors first (session 0), then each session.
  for (const auto& l : *loads) {
    if (l.session != 0) continue;
    cluster_node n;
    n.node = l.node;
    n.state = "up";
    n.all_types = true;
    n.capacity = l.executors;
    n.running = l.running;
    n.done = l.done;
    out.push_back(std::move(n));
  }
  for (const auto& r : records) {
    cluster_node n;
    n.node = r.node;
    n.host = r.host;
    n.session = r.session;
    n.state = r.status == cluster_node_record::state::up        ? "up"
              : r.status == cluster_node_record::state::joining ? "joining"
                                                                : "lost";
    n.types = r.types;
    n.capacity = r.capacity;
    n.joined_at = r.joined_at;
    n.last_heard = r.last_heard;
    n.lost_at = r.lost_at;
    n.lost_reason = r.lost_reason;
    for (const auto& l : *loads)
      if (l.session == r.session) {
        n.running = l.running;
        n.done = l.done;
        if (l.up) n.capacity = l.executors;
      }
    out.push_back(std::move(n));
  }
  return out;
}

std::optional<store_outage::report> runtime::write_outage() const {
  if (!impl_->actors.env) return std::nullopt;
  return impl_->actors.env->write_outage->current();
}

std::uint64_t runtime::write_outages() const {
  return impl_->actors.env ? impl_->actors.env->write_outage->outages() : 0;
}

cluster_activity runtime::cluster_counts() const {
  if (!impl_->actors.env) return {};
  const auto& c = *impl_->actors.env->cluster;
  return cluster_activity{c.remote_dispatches.load(std::memory_order_relaxed),
                          c.stale_reports.load(std::memory_order_relaxed),
                          c.node_losses_seen.load(std::memory_order_relaxed),
                          c.nodes_lost.load(std::memory_order_relaxed),
                          c.order_messages.load(std::memory_order_relaxed),
                          c.outcome_messages.load(std::memory_order_relaxed)};
}

expected<std::vector<std::string>> runtime::runnable_types() {
  return impl_->call_plain<std::vector<std::string>>(impl_->actors.scheduler, runnable_atom::value);
}

const job_type_registry& runtime::types() const {
  return *impl_->types;
}

}  // namespace jobforge

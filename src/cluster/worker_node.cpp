#include "cluster/worker_node.hpp"

#include "actors/executor_pool.hpp"
#include "actors/runtime_env.hpp"
#include "cluster/worker_agent.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <unistd.h>
#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace jobforge {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "worker";
  return buf;
}

std::string hex(std::uint64_t x) {
  return fmt::format("{:016x}", x);
}

// The version this node announces. JOBFORGE_TEST_CLUSTER_PROTOCOL
// overrides it so that the end-to-end tests can start a mismatched node;
// it is no setting for users.
std::uint32_t spoken_protocol_version() {
  if (const char* v = std::getenv("JOBFORGE_TEST_CLUSTER_PROTOCOL"); v && *v)
    return static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
  return cluster_protocol_version;
}

}  // namespace

struct worker_node::impl {
  worker_options options;
  std::string host = host_name();
  std::string boot_id;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  env_ptr env;

  mutable std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  bool running = false;
  bool session_lost = false;
  worker_status status;

  /// Waits `d` or until stop(); false when stopping.
  bool pause(milliseconds d) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, d, [&] { return stopping; });
    return !stopping;
  }

  void problem(std::string what) {
    std::lock_guard<std::mutex> lock(mutex);
    status.last_problem = std::move(what);
  }

  /// The coordinator's gateway at `a`, within the join timeout: CAF's own
  /// remote_actor waits without end for a handshake that a coordinator
  /// going down accepted but never answers.
  caf::expected<caf::actor> connect(const cluster_address& a) {
    const auto broker = options.tls.enabled() ? sys->openssl_manager().actor_handle()
                                              : sys->middleman().actor_handle();
    caf::expected<caf::actor> out{caf::sec::cannot_connect_to_node};
    caf::scoped_actor self{*sys};
    self->request(broker, options.join_timeout, caf::connect_atom::value, a.host, a.port)
        .receive(
            [&](caf::node_id&, caf::strong_actor_ptr& gateway, std::set<std::string>&) {
              if (gateway)
                out = caf::actor_cast<caf::actor>(std::move(gateway));
              else
                out = caf::make_error(caf::sec::no_actor_published_at_port, a.port);
            },
            [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  /// One session: join through `gateway`, serve until it is lost or stop().
  /// False when the join failed.
  bool serve_session(const caf::actor& gateway, const cluster_address& where);
};

worker_node::worker_node(job_type_registry types, worker_options options)
    : impl_(std::make_unique<impl>()) {
  auto& o = options;
  if (o.join.empty()) throw std::invalid_argument("no coordinator address to join");
  if (o.executors == 0 || o.executors > 4096)
    throw std::invalid_argument("executors must be within 1..4096");
  if (o.node_id.empty()) o.node_id = impl_->host;
  if (o.types.empty())
    for (const auto* t : types.list())
      o.types.push_back(t->name);
  for (const auto& t : o.types)
    if (!types.find(t)) throw std::invalid_argument("this node has no job type '" + t + "'");
  if (auto ok = check_cluster_tls(o.tls); !ok)
    throw std::invalid_argument(ok.error_value().message);
  impl_->options = std::move(o);

  auto rng = make_system_random();
  impl_->boot_id = hex(rng->next_u64());
  auto& cfg = impl_->cfg;
  const auto threads = impl_->options.scheduler_threads > 0
                           ? impl_->options.scheduler_threads
                           : std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(threads));
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  announce_wire_types(cfg);
  configure_cluster_transport(cfg, impl_->options.tls, impl_->options.heartbeat);
  impl_->sys = std::make_unique<caf::actor_system>(cfg);

  runtime_config rc;
  rc.mode = execution_mode::threads;
  rc.progress_interval = impl_->options.progress_interval;
  rc.node = impl_->options.node_id;
  rc.stream_results = true;  // the coordinator keeps result files
  // No results folder here: a JSON result travels back in the outcome, and
  // a file result fails its attempt (the coordinator owns results/).
  impl_->env = std::make_shared<runtime_env>(runtime_env{
      std::move(rc),
      std::make_shared<const job_type_registry>(std::move(types)),
      std::move(rng),
      runtime_clock{impl_->sys->clock().now(),
                    std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now())},
      {},
      {},
      {},
      {}});
}

worker_node::~worker_node() {
  stop();
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->changed.wait(lock, [&] { return !impl_->running; });
  lock.unlock();
  impl_->env.reset();
  impl_->sys.reset();
}

void worker_node::stop() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stopping = true;
  impl_->changed.notify_all();
}

worker_status worker_node::status() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->status;
}

const std::string& worker_node::node_id() const {
  return impl_->options.node_id;
}

bool worker_node::impl::serve_session(const caf::actor& gateway, const cluster_address& where) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    session_lost = false;
  }
  auto agent = sys->spawn(worker_agent, gateway, [this](const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex);
    session_lost = true;
    status.last_problem = "lost the coordinator: " + reason;
    changed.notify_all();
  });
  const std::uint32_t version = spoken_protocol_version();
  join_request req{version,
                   options.node_id,
                   boot_id,
                   options.token,
                   host,
                   options.types,
                   static_cast<std::uint32_t>(options.executors),
                   agent};
  std::optional<join_reply> reply;
  std::string failure;
  {
    caf::scoped_actor self{*sys};
    self->request(gateway, options.join_timeout, join_atom::value, std::move(req))
        .receive([&](join_reply& r) { reply = std::move(r); },
                 [&](caf::error& e) { failure = sys->render(e); });
  }
  const std::string address = where.host + ":" + std::to_string(where.port);
  if (!reply || !reply->accepted) {
    std::string why = reply ? reply->reason : failure;
    if (reply && reply->protocol_version != version)
      why = fmt::format("it speaks cluster protocol {}, this node speaks {}",
                        reply->protocol_version, version);
    spdlog::error("worker {}: the coordinator at {} refused the join: {}", options.node_id, address,
                  why);
    problem("join refused by " + address + ": " + why);
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    return false;
  }
  if (!reply->unknown_types.empty())
    spdlog::warn("worker {}: the coordinator does not know these types, which it never assigns: {}",
                 options.node_id, fmt::format("{}", fmt::join(reply->unknown_types, ", ")));
  spdlog::info("worker {}: joined coordinator {} at {} (session {}), {} executors", options.node_id,
               reply->coordinator, address, hex(reply->session), options.executors);
  {
    std::lock_guard<std::mutex> lock(mutex);
    status.joined = true;
    status.session = reply->session;
    status.coordinator = reply->coordinator;
    ++status.joins;
  }
  auto pool = sys->spawn(executor_pool, env, options.executors, gateway,
                         executor_offer{options.node_id, reply->session, options.types, {}, {}});
  caf::anon_send(agent, join_atom::value, reply->session);
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return stopping || session_lost; });
    status.joined = false;
  }
  // The executors end with their pool, and their running attempts are told
  // to stop: the coordinator has given them up (or is going away).
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  return true;
}

void worker_node::run() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->running) throw std::logic_error("worker_node::run is already running");
    impl_->running = true;
  }
  auto& o = impl_->options;
  milliseconds backoff = o.first_backoff;
  std::size_t next = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      if (impl_->stopping) break;
    }
    const auto& where = o.join[next];
    next = (next + 1) % o.join.size();
    auto gateway = impl_->connect(where);
    bool served = false;
    if (gateway) {
      served = impl_->serve_session(*gateway, where);
    } else {
      const auto why = impl_->sys->render(gateway.error());
      spdlog::warn("worker {}: cannot reach the coordinator at {}:{} ({}); trying again in {} ms",
                   o.node_id, where.host, where.port, why, backoff.count());
      impl_->problem("cannot reach " + where.host + ":" + std::to_string(where.port) + ": " + why);
    }
    if (served) {
      backoff = o.first_backoff;
      std::lock_guard<std::mutex> lock(impl_->mutex);
      if (impl_->stopping) break;
      spdlog::warn("worker {}: {}; joining again", o.node_id, impl_->status.last_problem);
      continue;
    }
    if (!impl_->pause(backoff)) break;
    backoff = std::min(backoff * 2, o.max_backoff);
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->running = false;
  impl_->changed.notify_all();
}

}  // namespace jobforge

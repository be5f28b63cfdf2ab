#include "app/serve_command.hpp"

#include "app/built_in_types.hpp"
#include "app/leadership.hpp"
#include "app/service_notify.hpp"
#include "http/http_server.hpp"
#include "runtime/runtime.hpp"
#include "runtime/thread_policy.hpp"
#include "store/store_factory.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sched.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>
#include <variant>

namespace jobforge::app {
namespace {

std::string url_of(const std::string& host, int port, bool tls) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (tls ? "https://" : "http://") + (ipv6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

/// The store the options ask for, with a line for the start-up log; a
/// leader's PostgreSQL store is fenced by its epoch, and a refused write
/// makes it step down.
expected<opened_store> open_configured_store(const server_config& o,
                                             std::optional<std::int64_t> epoch) {
  store_settings settings;
  settings.kind = o.store;
  settings.data_dir = o.data_dir;
  settings.sqlite_sync = o.sqlite_sync;
  settings.postgres_url = o.postgres_url;
  settings.postgres_pool_size = static_cast<std::size_t>(o.postgres_pool_size);
  settings.epoch = epoch;
  // A leader paused half-way through a write holds the epoch lock a
  // takeover needs: the server ends such a session after a lease.
  if (epoch) settings.postgres_idle_in_transaction = milliseconds{o.postgres_lease_ms};
  if (epoch)
    settings.on_fenced = [](const std::string& why) {
      step_down("a write was refused because another coordinator took over (" + why + ")");
    };
  return open_store(settings);
}

/// The cluster port the options ask for (nullopt: none), checked.
expected<std::optional<cluster_listen>> cluster_listen_of(const server_config& o) {
  if (o.cluster_port < 0) return std::optional<cluster_listen>{};
  cluster_listen listen;
  listen.host = o.cluster_host;
  listen.port = static_cast<std::uint16_t>(o.cluster_port);
  listen.token = o.cluster_token;
  listen.tls = cluster_tls{o.cluster_tls_cert, o.cluster_tls_key, o.cluster_tls_ca};
  listen.insecure = o.cluster_insecure;
  listen.heartbeat =
      cluster_heartbeat{milliseconds{o.cluster_heartbeat_ms}, milliseconds{o.cluster_timeout_ms}};
  if (auto ok = check_cluster_listen(listen); !ok) return std::move(ok).error_value();
  if (!is_loopback_host(listen.host) && (!listen.tls.enabled() || listen.token.empty()))
    spdlog::warn(
        "cluster.insecure: the cluster port on {} is open without {}: anyone who reaches it "
        "can run jobs' payloads",
        listen.host, listen.tls.enabled() ? "a token" : "TLS");
  return std::optional<cluster_listen>{std::move(listen)};
}

void release_lease(leadership& leader) {
  if (auto released = leader.lease->release(leader.epoch); released)
    spdlog::info("released the leader lease (epoch {})", leader.epoch);
  else
    spdlog::warn("could not release the leader lease: {}", released.error_value().message);
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

/// Without keys every caller is admin: such a server is for this machine
/// only (TLS or not), so any other address is refused.
expected<void> check_exposure(const server_config& o) {
  if (o.api_keys.empty() && !is_loopback(o.host))
    return error{error_code::invalid_argument,
                 "without api_keys jobforge listens on loopback only; host " + o.host +
                     " is not a loopback address"};
  return {};
}

/// The start-up log's account of who may call.
std::string access_summary(const server_config& o) {
  if (o.api_keys.empty())
    return "no api_keys configured: loopback only, every caller is admin of tenant \"default\"";
  std::set<std::string> tenants;
  for (const auto& k : o.api_keys)
    tenants.insert(k.tenant);
  std::string names;
  for (const auto& t : tenants)
    names += (names.empty() ? "" : ", ") + t;
  return std::to_string(o.api_keys.size()) + " api_keys (tenants " + names +
         "): every request but /health and /ready needs Authorization: Bearer <key>";
}

}  // namespace

int serve(const server_config& o) {
  // For good: the HTTP server's threads are started by this one too.
  if (o.cpu_scheduling == "batch" && !enter_batch_policy() &&
      ::sched_getscheduler(0) == SCHED_OTHER)
    spdlog::warn("cannot use SCHED_BATCH ({}); threads keep the normal policy",
                 std::strerror(errno));
  // Block the stop signals before any thread exists, so that every runtime
  // and server thread inherits the mask and only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    spdlog::error("cannot block SIGINT/SIGTERM");
    return 1;
  }

  if (auto ok = check_exposure(o); !ok) {
    spdlog::error("{}", ok.error_value().message);
    return 1;
  }
  if (auto ok = prepare_job_folders(o); !ok) {
    spdlog::error("{}", ok.error_value().message);
    return 1;
  }
  auto types = built_in_types(o);
  if (!types) {
    spdlog::error("cannot register the job types: {}", to_string(types.error_value()));
    return 1;
  }
  // The operator's policies replace the built-in ones before anything runs.
  if (const auto problems = apply_configured_policies(*types, o); !problems.empty()) {
    for (const auto& problem : problems)
      spdlog::error("config: {}", problem);
    return 1;
  }
  for (const auto& [name, policy] : o.job_types)
    spdlog::info("job type {}: {} policy value(s) from the configuration", name, policy.size());
  // A config schedule's job must be one the registry takes: checked now
  // rather than at its first tick.
  for (const auto& s : o.schedules)
    if (auto trial = types->prepare(
            s.job, job_id{},
            std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now()));
        !trial) {
      spdlog::error("config: schedules ({}): job: {}", s.name, trial.error_value().message);
      return 1;
    }
  // Checked before standing by: a coordinator that takes the lease only to
  // find its configuration wrong would hold up a takeover for nothing.
  auto cluster = cluster_listen_of(o);
  if (!cluster) {
    spdlog::error("{}", cluster.error_value().message);
    return 1;
  }
  // On a shared PostgreSQL database: stand by until this one leads.
  std::optional<leadership> leader;
  if (o.store == "postgres") {
    auto stood = stand_by(o, stop_signals);
    if (auto* code = std::get_if<int>(&stood)) return *code;
    leader = std::move(std::get<leadership>(stood));
  }
  std::unique_ptr<lease_keeper> keeper;
  if (leader)  // from now on: recovery can take seconds, and the lease must not lapse meanwhile
    keeper = std::make_unique<lease_keeper>(*leader->lease, leader->epoch, leader->acquire_sent,
                                            milliseconds{o.postgres_renew_ms}, step_down);
  // A leader that cannot start lets the lease go at once, so that a standby
  // takes over without waiting for it to expire, and exits to be started
  // again (the failures left by then are the database's or the machine's).
  const auto failed_start = [&](const std::string& why) {
    spdlog::error("{}", why);
    if (!leader) return 1;
    keeper->stop();
    release_lease(*leader);
    spdlog::error("the leader could not start: exiting with status {} to be started again",
                  stepped_down_exit);
    return stepped_down_exit;
  };
  auto backend =
      open_configured_store(o, leader ? std::optional<std::int64_t>(leader->epoch) : std::nullopt);
  // While the database is away, the store writer keeps the writes nobody
  // waits for and tries them again (docs/durability.md); the lease keeper
  // steps down if the outage outlasts the lease.
  if (!backend) return failed_start(backend.error_value().message);
  runtime_config config;
  config.executors = o.executors;
  config.batch_threads = o.cpu_scheduling == "batch";
  config.timeout_warning_share = static_cast<double>(o.timeout_warning_percent) / 100.0;
  // Result files live on disk even with the memory store: a file job's
  // output has nowhere else to go.
  config.results_dir = (std::filesystem::path(o.data_dir) / "results").string();
  if (o.retention_hours > 0) config.retention.max_age = std::chrono::hours{o.retention_hours};
  config.webhooks = webhook_settings_of(o);
  config.cluster = std::move(*cluster);
  config.schedules = o.schedules;
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<runtime> made;
  try {
    made = std::make_unique<runtime>(std::move(*types), config, std::move(backend->backend));
  } catch (const startup_error& e) {
    return failed_start(e.what());
  }
  runtime& rt = *made;
  spdlog::info(
      "store: {}; started in {} ms", backend->description,
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started).count());

  http_server_options http_opts;
  http_opts.host = o.host;
  http_opts.port = leader ? leader->http_port : static_cast<int>(o.port);
  http_opts.max_body_bytes = static_cast<std::size_t>(o.max_body_bytes);
  http_opts.sse_keep_alive = milliseconds{o.sse_keep_alive_ms};
  http_opts.api_keys = o.api_keys;
  http_opts.tls_cert = o.tls_cert;
  http_opts.tls_key = o.tls_key;
  http_opts.web_root = o.web_root;
  http_server server(rt, http_opts);
  if (leader) leader->standby->stop();  // the gateway takes its port over now
  auto port = server.start();
  if (!port) {
    rt.shutdown();
    return failed_start("cannot start the HTTP server: " + to_string(port.error_value()));
  }
  const bool tls = !o.tls_cert.empty();
  spdlog::info("jobforge serving {} ({}) with {} executors, {} CPU scheduling; {}",
               url_of(o.host, *port, tls), tls ? "HTTPS, certificate " + o.tls_cert : "plain HTTP",
               o.executors, o.cpu_scheduling, access_summary(o));
  if (!o.web_root.empty())
    spdlog::info("dashboard: files from {}, read at every request (--web-root)", o.web_root);
  if (auto cport = rt.cluster_port(); cport && leader)
    leader->lease->set_cluster_address(o.cluster_host + ":" + std::to_string(*cport));
  if (auto cport = rt.cluster_port())
    spdlog::info("cluster: worker nodes join on {}:{} ({}{})", o.cluster_host, *cport,
                 o.cluster_tls_cert.empty() ? "no TLS" : "mutual TLS",
                 o.cluster_token.empty() ? ", no token" : ", token required");
  // systemd (Type=notify): the API answers now; a standby said so earlier.
  notify_service_manager("READY=1\nSTATUS=serving " + url_of(o.host, *port, tls) +
                         (leader ? " as the leader" : ""));

  int received = 0;
  if (sigwait(&stop_signals, &received) != 0) received = SIGTERM;
  notify_service_manager("STOPPING=1\nSTATUS=draining");
  spdlog::info(
      "{} received: draining (up to {} ms for running jobs; a second signal forces "
      "the exit)",
      received == SIGINT ? "SIGINT" : "SIGTERM", o.shutdown_grace_ms);
  // A second signal while draining: commit what the store writer holds and
  // leave at once; recovery returns the running jobs to pending next time.
  std::atomic<bool> stopped{false};
  std::thread forced([&rt, &stopped, stop_signals]() mutable {
    int again = 0;
    if (sigwait(&stop_signals, &again) != 0 || stopped) return;
    spdlog::warn("second signal: flushing the store and exiting now");
    static_cast<void>(rt.flush());
    std::_Exit(128 + again);
  });
  server.stop();  // first: no request may reach a runtime that is going away
  if (auto drained = rt.drain(milliseconds{o.shutdown_grace_ms}); !drained)
    spdlog::error("drain: {}", drained.error_value().message);
  rt.shutdown();
  if (leader) {  // a standby need not wait for the lease to expire
    keeper->stop();
    release_lease(*leader);
  }
  // Wake the watcher so it can be joined: a signal it reads as "done".
  stopped = true;
  pthread_kill(forced.native_handle(), SIGTERM);
  forced.join();
  spdlog::info("jobforge stopped");
  return 0;
}

}  // namespace jobforge::app

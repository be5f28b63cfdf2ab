#include "app/leadership.hpp"

#include "app/service_notify.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/postgres/postgres_store.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>

namespace jobforge::app {
namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "coordinator";
  return buf;
}

std::string url_of(const server_config& o, int port) {
  if (!o.advertise_url.empty()) return o.advertise_url;
  const bool ipv6 = o.host.find(':') != std::string::npos;
  return (o.tls_cert.empty() ? "http://" : "https://") + (ipv6 ? "[" + o.host + "]" : o.host) +
         ":" + std::to_string(port);
}

/// Waits up to `timeout` for a stop signal: the signal, or 0.
int wait_for_signal(const sigset_t& signals, milliseconds timeout) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000);
  const int got = ::sigtimedwait(&signals, nullptr, &ts);
  return got > 0 ? got : 0;
}

/// "holder at URL (epoch N)", for the logs.
std::string describe(const lease_state& s) {
  return s.holder.value_or("?") +
         (s.http_address.empty() ? std::string() : " at " + s.http_address) + " (epoch " +
         std::to_string(s.epoch) + ")";
}

}  // namespace

std::variant<leadership, int> stand_by(const server_config& o, const sigset_t& stop_signals) {
  standby_server_options listen{o.host, static_cast<int>(o.port), o.tls_cert, o.tls_key};
  auto standby = std::make_unique<standby_server>(listen);
  auto port = standby->start();
  if (!port) {
    spdlog::error("cannot start the HTTP server: {}", to_string(port.error_value()));
    return 1;
  }
  lease_identity me;
  me.holder = host_name();
  me.boot_id = make_boot_id();
  me.http_address = url_of(o, *port);
  // An ephemeral cluster port (0) is recorded once bound (serve()).
  if (o.cluster_port > 0)
    me.cluster_address = o.cluster_host + ":" + std::to_string(o.cluster_port);
  // systemd (Type=notify): a standby is up and answering, its job for now.
  notify_service_manager("READY=1\nSTATUS=standing by on " + me.http_address);
  const milliseconds lease_length{o.postgres_lease_ms};
  const milliseconds poll{o.postgres_renew_ms};
  spdlog::info(
      "store postgres: {} as {} (boot {}) on {}; standing by until it holds the leader "
      "lease ({} ms, renewed every {} ms)",
      redacted_postgres_url(o.postgres_url), me.holder, me.boot_id, me.http_address,
      lease_length.count(), poll.count());

  std::unique_ptr<leader_lease> lease;
  std::string last_said;  // the last standby line logged, so each change is said once
  const auto say = [&](spdlog::level::level_enum level, const std::string& line) {
    if (line == last_said) return;
    spdlog::log(level, "{}", line);
    last_said = line;
  };
  // While the database cannot be reached, ask less and less often (up to
  // every 5 s): a restarting server should not meet a crowd of standbys.
  const milliseconds max_backoff = std::max(poll, milliseconds{5'000});
  milliseconds wait = poll;
  for (;;) {
    bool reached = false;
    if (!lease) {
      try {
        lease = std::make_unique<leader_lease>(o.postgres_url, me, lease_length);
      } catch (const std::exception& e) {
        // A newer schema never fixes itself; an unreachable server may.
        if (dynamic_cast<const pg::newer_schema*>(&e) != nullptr) {
          spdlog::error("store postgres: {}", e.what());
          return 1;
        }
        say(spdlog::level::warn,
            std::string("standby: cannot reach the database, retrying with backoff: ") + e.what());
      }
    }
    if (lease) {
      const auto sent = clock_type::now();
      auto taken = lease->try_acquire();
      if (taken && *taken) {
        spdlog::info("took the leader lease: epoch {}; recovering the jobs", **taken);
        standby->set_taking_over();
        return leadership{std::move(lease), std::move(standby), *port, **taken, sent};
      }
      auto now = taken ? lease->current() : expected<lease_state>(taken.error_value());
      if (!now) {
        standby->set_leader(std::nullopt);
        say(spdlog::level::warn,
            "standby: " + now.error_value().message + "; retrying with backoff");
      } else {
        reached = true;
        standby->set_leader(leader_hint{now->http_address, now->holder.value_or(""), now->epoch,
                                        now->cluster_address});
        say(spdlog::level::info, "standby: the leader is " + describe(*now));
      }
    }
    wait = reached ? poll : std::min(wait * 2, max_backoff);
    if (int sig = wait_for_signal(stop_signals, wait); sig != 0) {
      spdlog::info("{} received: the standby stops", sig == SIGINT ? "SIGINT" : "SIGTERM");
      standby->stop();
      return 0;
    }
  }
}

lease_keeper::lease_keeper(leader_lease& lease, std::int64_t epoch,
                           clock_type::time_point acquire_sent, milliseconds every,
                           std::function<void(const std::string&)> lost)
    : lease_(lease),
      epoch_(epoch),
      every_(every),
      lost_(std::move(lost)),
      trust_(lease.duration(), leader_trust::default_margin(lease.duration())) {
  trust_.renewed(acquire_sent);
  renewer_ = std::thread([this] { renew_loop(); });
  watchdog_ = std::thread([this] { watch_loop(); });
}

lease_keeper::~lease_keeper() {
  stop();
}

void lease_keeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (watchdog_.joinable()) watchdog_.join();
}

void lease_keeper::lose(const std::string& why) {
  if (!lost_called_.exchange(true)) lost_(why);
}

void lease_keeper::renew_loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) {
    lock.unlock();
    const auto sent = clock_type::now();
    auto renewed = lease_.renew(epoch_);  // may block while the network hangs: the watchdog acts
    lock.lock();
    if (renewed) {
      trust_.renewed(sent);
    } else if (renewed.error_value().code == error_code::conflict) {
      lock.unlock();
      lose(renewed.error_value().message);
      return;
    } else {
      spdlog::warn(
          "leader lease: {} (trusted for {} ms more)", renewed.error_value().message,
          std::chrono::duration_cast<milliseconds>(trust_.until() - clock_type::now()).count());
    }
  }
}

void lease_keeper::watch_loop() {
  // Checks often enough that stepping down is late by a small part of the margin.
  const auto tick = std::max(milliseconds{5}, lease_.duration() / 50);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, tick, [this] { return stopping_; })) {
    if (!trust_.trusted(clock_type::now())) {
      lock.unlock();
      lose("no renewal of the leader lease succeeded in time");
      return;
    }
  }
}

void step_down(const std::string& why) {
  spdlog::error(
      "stepping down as the leader: {}. Exiting with status {} for the service manager to "
      "restart this coordinator as a standby",
      why, stepped_down_exit);
  spdlog::default_logger()->flush();
  std::_Exit(stepped_down_exit);
}

}  // namespace jobforge::app

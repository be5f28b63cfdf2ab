#include "http/standby_server.hpp"

#include "http/server_socket.hpp"
#include "model/job_codec.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <mutex>
#include <thread>

namespace jobforge {

namespace {

enum class standing { following, leaderless, taking_over };

}  // namespace

struct standby_server::impl {
  standby_server_options options;
  std::unique_ptr<httplib::Server> server;
  std::thread listener;
  bool started = false;

  std::mutex mutex;  // guards what follows: the lease loop writes, requests read
  standing state = standing::leaderless;
  leader_hint leader;

  void answer(const httplib::Request& req, httplib::Response& res) {
    standing now;
    leader_hint who;
    {
      std::lock_guard lock(mutex);
      now = state;
      who = leader;
    }
    if (req.path == "/metrics") {
      // For the alert on a standby that sees no leader (config/alerts.yml).
      const bool known = now != standing::leaderless;
      res.set_content(
          "# HELP jobforge_standby 1: this coordinator stands by for another (PostgreSQL)\n"
          "# TYPE jobforge_standby gauge\n"
          "jobforge_standby 1\n"
          "# HELP jobforge_standby_leader_known 1: the standby reads a current leader from the "
          "lease (or takes over itself); 0: no coordinator leads, or the database cannot be "
          "read\n"
          "# TYPE jobforge_standby_leader_known gauge\n"
          "jobforge_standby_leader_known " +
              std::string(known ? "1" : "0") + "\n",
          "text/plain; version=0.0.4; charset=utf-8");
      return;
    }
    if (req.path == "/health") {
      res.set_content(
          boost::json::serialize(boost::json::object{{"status", "ok"}, {"role", "standby"}}),
          "application/json");
      return;
    }
    boost::json::object details{{"role", "standby"}};
    std::string message;
    switch (now) {
      case standing::taking_over:
        message =
            "this coordinator is taking over as the leader and recovers its jobs: retry "
            "in a moment";
        break;
      case standing::leaderless:
        message =
            "no coordinator leads now; this standby takes over once the lease expires: "
            "retry in a moment";
        break;
      case standing::following:
        message = "this coordinator is a standby; the leader is " +
                  (who.http_address.empty() ? who.holder : who.http_address);
        details["leader"] = who.http_address;
        details["leader_holder"] = who.holder;
        details["epoch"] = who.epoch;
        if (!who.cluster_address.empty()) details["leader_cluster"] = who.cluster_address;
        if (!who.http_address.empty()) {
          res.set_header("X-Jobforge-Leader", who.http_address);
          res.set_header("Location", who.http_address + req.target);
        }
        break;
    }
    res.set_header("Retry-After", "1");
    auto envelope = error_envelope(error{error_code::unavailable, message, std::move(details)});
    res.status = 503;
    if (req.path == "/ready")  // the shape of the gateway's /ready, plus the envelope's why
      envelope.as_object()["status"] = "not ready";
    res.set_content(boost::json::serialize(envelope), "application/json");
  }
};

standby_server::standby_server(standby_server_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
}

standby_server::~standby_server() {
  stop();
}

expected<int> standby_server::start() {
  if (impl_->started) return error{error_code::conflict, "the standby server is already started"};
  auto made = http::make_server(impl_->options.tls_cert, impl_->options.tls_key);
  if (!made) return std::move(made).error_value();
  impl_->server = std::move(*made);
  auto& server = *impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  server.set_keep_alive_max_count(1);  // clients should move to the leader, not stay here
  const auto handler = [impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
    impl->answer(req, res);
  };
  const std::string any = ".*";
  server.Get(any, handler);
  server.Post(any, handler);
  server.Put(any, handler);
  server.Patch(any, handler);
  server.Delete(any, handler);
  server.Options(any, handler);
  const auto& o = impl_->options;
  const int port = o.port == 0 ? server.bind_to_any_port(o.host)
                               : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    return error{error_code::unavailable,
                 "cannot listen on " + o.host + ":" + std::to_string(o.port),
                 boost::json::object{{"host", o.host}, {"port", o.port}}};
  impl_->started = true;
  impl_->listener = std::thread([impl = impl_.get()] { impl->server->listen_after_bind(); });
  // As in http_server::start(): stop() before the accept loop runs would hang.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  return port;
}

void standby_server::set_leader(std::optional<leader_hint> leader) {
  std::lock_guard lock(impl_->mutex);
  impl_->state = leader ? standing::following : standing::leaderless;
  if (leader) impl_->leader = std::move(*leader);
}

void standby_server::set_taking_over() {
  std::lock_guard lock(impl_->mutex);
  impl_->state = standing::taking_over;
}

void standby_server::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->server->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

}  // namespace jobforge

#include "app/worker_command.hpp"

#include "app/built_in_types.hpp"
#include "cluster/worker_node.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <csignal>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace jobforge::app {
namespace {

std::vector<std::string> split_types(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int worker(const server_config& config, const worker_flags& flags) {
  auto join = parse_join_list(flags.join);
  if (!join) {
    std::cerr << "jobforge worker: --join: " << join.error_value().message << "\n";
    return 2;
  }
  // A worker keeps the normal policy whatever cpu_scheduling says: each
  // attempt is a round trip to the coordinator, and under SCHED_BATCH a
  // woken thread waits for the running one's time slice to end (remote noop
  // jobs ran 30% slower that way, bench/README.md).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (auto ok = prepare_job_folders(config); !ok) {
    spdlog::error("{}", ok.error_value().message);
    return 1;
  }
  auto types = built_in_types(config);
  if (!types) {
    spdlog::error("cannot register the job types: {}", to_string(types.error_value()));
    return 1;
  }
  worker_options o;
  o.join = std::move(join).value();
  o.node_id = flags.node_id;
  o.executors = static_cast<std::size_t>(flags.executors);
  o.types = split_types(flags.types);
  o.token = config.cluster_token;
  o.tls = cluster_tls{config.cluster_tls_cert, config.cluster_tls_key, config.cluster_tls_ca};
  o.heartbeat = cluster_heartbeat{milliseconds{config.cluster_heartbeat_ms},
                                  milliseconds{config.cluster_timeout_ms}};
  std::unique_ptr<worker_node> node;
  try {
    node = std::make_unique<worker_node>(std::move(*types), std::move(o));
  } catch (const std::invalid_argument& e) {
    std::cerr << "jobforge worker: " << e.what() << "\n";
    return 2;
  }
  spdlog::info("worker {}: {} executors, joining {}{}", node->node_id(), flags.executors,
               flags.join, config.cluster_tls_cert.empty() ? "" : " over mutual TLS");
  std::thread watcher([&node, stop_signals]() mutable {
    int received = 0;
    if (sigwait(&stop_signals, &received) != 0) received = SIGTERM;
    spdlog::info("{} received: stopping", received == SIGINT ? "SIGINT" : "SIGTERM");
    node->stop();
  });
  node->run();
  node.reset();
  // The watcher waits for a signal; after a stop it has had one.
  watcher.join();
  spdlog::info("worker stopped");
  return 0;
}

}  // namespace jobforge::app

// The `jobforge` executable.
//
//   jobforge serve [--host 127.0.0.1] [--port 8080] [--executors N]
//       runs the job processor with the HTTP API until SIGINT or SIGTERM.
//   jobforge types
//       prints the registered job types as JSON.

#include "handlers/demo_types.hpp"
#include "http/http_server.hpp"
#include "http/job_type_json.hpp"
#include "runtime/runtime.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

struct serve_options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::size_t executors = 16;
  std::size_t max_body_bytes = jobforge::http_server_options{}.max_body_bytes;
};

/// Every job type this binary knows (the demo ones for now).
jobforge::expected<jobforge::job_type_registry> built_in_types() {
  jobforge::job_type_registry types;
  if (auto ok = jobforge::handlers::register_demo_types(types); !ok) return ok.error_value();
  return types;
}

std::string url_of(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int serve(const serve_options& opts) {
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

  auto types = built_in_types();
  if (!types) {
    spdlog::error("cannot register the job types: {}", to_string(types.error_value()));
    return 1;
  }
  jobforge::runtime_config config;
  config.executors = opts.executors;
  jobforge::runtime rt(std::move(*types), config);  // in-memory store (see the log line below)

  jobforge::http_server_options http_opts;
  http_opts.host = opts.host;
  http_opts.port = opts.port;
  http_opts.max_body_bytes = opts.max_body_bytes;
  jobforge::http_server server(rt, http_opts);
  auto port = server.start();
  if (!port) {
    spdlog::error("cannot start the HTTP server: {}", to_string(port.error_value()));
    rt.shutdown();
    return 1;
  }
  spdlog::info(
      "jobforge serving {} with {} executors; store: in-memory, so jobs are lost when the "
      "process exits (durability comes with the SQLite store)",
      url_of(opts.host, *port), opts.executors);

  int received = 0;
  if (sigwait(&stop_signals, &received) != 0) received = SIGTERM;
  spdlog::info("{} received, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();  // first: no request may reach a runtime that is going away
  rt.shutdown();
  spdlog::info("jobforge stopped");
  return 0;
}

int print_types() {
  auto types = built_in_types();
  if (!types) {
    std::cerr << "cannot register the job types: " << to_string(types.error_value()) << "\n";
    return 1;
  }
  std::cout << boost::json::serialize(jobforge::http::job_types_to_json(*types)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jobforge: an asynchronous job processor"};
  app.require_subcommand(1);

  serve_options serve_opts;
  auto* serve_cmd = app.add_subcommand("serve", "Run the job processor and its HTTP API");
  serve_cmd->add_option("--host", serve_opts.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve_opts.port, "Port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve_cmd->add_option("--executors", serve_opts.executors, "Jobs running at once")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-body-bytes", serve_opts.max_body_bytes,
                   "Larger request bodies are refused with 413")
      ->check(CLI::Range(1024, 1 << 30))
      ->capture_default_str();

  auto* types_cmd = app.add_subcommand("types", "Print the registered job types as JSON");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return serve(serve_opts);
    if (*types_cmd) return print_types();
  } catch (const std::exception& e) {
    spdlog::critical("jobforge: {}", e.what());
    return 1;
  }
  return 1;
}

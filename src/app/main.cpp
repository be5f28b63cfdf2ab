// The `jobforge` executable.
//
//   jobforge serve [--config FILE] [--port N] [--data-dir DIR] ...
//       runs the job processor with the HTTP API until SIGINT or SIGTERM.
//   jobforge types
//       prints the registered job types as JSON.
//
// serve's settings come from defaults, then the config file
// (config/jobforge.json when present, or --config FILE / JOBFORGE_CONFIG),
// then JOBFORGE_* environment variables, then the flags given here.

#include "app/built_in_types.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/serve_command.hpp"
#include "http/job_type_json.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>
#include <optional>

namespace {

int print_types() {
  auto types = jobforge::app::built_in_types();
  if (!types) {
    std::cerr << "cannot register the job types: " << to_string(types.error_value()) << "\n";
    return 1;
  }
  std::cout << boost::json::serialize(jobforge::http::job_types_to_json(*types)) << "\n";
  return 0;
}

/// The flags of `serve`; each overrides the same key of the configuration.
struct serve_flags {
  std::optional<std::string> config;
  std::optional<std::string> host;
  std::optional<std::int64_t> port;
  std::optional<std::int64_t> executors;
  std::optional<std::int64_t> max_body_bytes;
  std::optional<std::string> data_dir;
  std::optional<std::string> store;
  std::optional<std::string> sync;
  std::optional<std::int64_t> shutdown_grace_ms;
  std::optional<std::int64_t> retention_hours;
};

template <class T>
void override_with(T& value, const std::optional<T>& flag) {
  if (flag) value = *flag;
}

int run_serve(const serve_flags& flags) {
  using namespace jobforge::app;
  server_config config;
  config_problems problems;
  const auto env = jobforge_environment();
  std::optional<std::string> file = flags.config;
  if (!file)
    if (auto it = env.find("JOBFORGE_CONFIG"); it != env.end()) file = it->second;
  apply_config_file(config, file.value_or("config/jobforge.json"), file.has_value(), problems);
  apply_environment(config, env, problems);
  override_with(config.host, flags.host);
  override_with(config.port, flags.port);
  override_with(config.executors, flags.executors);
  override_with(config.max_body_bytes, flags.max_body_bytes);
  override_with(config.data_dir, flags.data_dir);
  override_with(config.store, flags.store);
  override_with(config.sqlite_sync, flags.sync);
  override_with(config.shutdown_grace_ms, flags.shutdown_grace_ms);
  override_with(config.retention_hours, flags.retention_hours);
  check_combination(config, problems);
  if (!problems.empty()) {
    for (const auto& p : problems)
      std::cerr << "jobforge: " << p << "\n";
    std::cerr << "jobforge: the configuration has " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems") << "; nothing was started\n";
    return 2;
  }
  configure_logging(config.log_format, config.log_level);
  return serve(config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jobforge: an asynchronous job processor"};
  app.require_subcommand(1);

  serve_flags f;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Run the job processor and its HTTP API (settings: README, Configuration)");
  serve_cmd->add_option("--config", f.config,
                        "Configuration file (default: config/jobforge.json if present; env "
                        "JOBFORGE_CONFIG)");
  serve_cmd->add_option("--host", f.host, "Address to listen on (loopback only without api_keys)");
  serve_cmd->add_option("--port", f.port, "Port to listen on, 0: any free port")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--executors", f.executors, "Jobs running at once")
      ->check(CLI::Range(1, 4096));
  serve_cmd
      ->add_option("--max-body-bytes", f.max_body_bytes,
                   "Larger request bodies are refused with 413")
      ->check(CLI::Range(1024, 1 << 30));
  serve_cmd->add_option("--data-dir", f.data_dir,
                        "Folder of the SQLite database and of results/ (created if missing)");
  serve_cmd->add_option("--store", f.store, "sqlite (durable) or memory")
      ->check(CLI::IsMember({"sqlite", "memory"}));
  serve_cmd->add_option("--sync", f.sync, "SQLite synchronous level: full, normal, off")
      ->check(CLI::IsMember({"full", "normal", "off"}));
  serve_cmd
      ->add_option("--shutdown-grace-ms", f.shutdown_grace_ms,
                   "On SIGTERM/SIGINT, how long running jobs may finish")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}));
  serve_cmd
      ->add_option("--retention-hours", f.retention_hours,
                   "Finished jobs older than this are deleted (0: keep forever)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{24 * 365 * 100}));

  auto* types_cmd = app.add_subcommand("types", "Print the registered job types as JSON");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return run_serve(f);
    if (*types_cmd) return print_types();
  } catch (const std::exception& e) {
    spdlog::critical("jobforge: {}", e.what());
    return 1;
  }
  return 1;
}

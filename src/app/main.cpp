// The `jobforge` executable.
//
//   jobforge serve [--host H] [--port N] [--data-dir DIR] [--store sqlite|memory] ...
//       runs the job processor with the HTTP API until SIGINT or SIGTERM.
//   jobforge types
//       prints the registered job types as JSON.

#include "app/built_in_types.hpp"
#include "app/serve_command.hpp"
#include "http/job_type_json.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jobforge: an asynchronous job processor"};
  app.require_subcommand(1);

  jobforge::app::serve_options serve_opts;
  auto* serve_cmd = app.add_subcommand("serve", "Run the job processor and its HTTP API");
  serve_cmd->add_option("--host", serve_opts.host, "Address to listen on")
      ->envname("JOBFORGE_HOST")
      ->capture_default_str();
  serve_cmd->add_option("--port", serve_opts.port, "Port to listen on (0: any free port)")
      ->envname("JOBFORGE_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve_cmd->add_option("--executors", serve_opts.executors, "Jobs running at once")
      ->envname("JOBFORGE_EXECUTORS")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-body-bytes", serve_opts.max_body_bytes,
                   "Larger request bodies are refused with 413")
      ->envname("JOBFORGE_MAX_BODY_BYTES")
      ->check(CLI::Range(1024, 1 << 30))
      ->capture_default_str();
  serve_cmd
      ->add_option("--data-dir", serve_opts.data_dir,
                   "Folder of the SQLite database (created if missing)")
      ->envname("JOBFORGE_DATA_DIR")
      ->capture_default_str();
  serve_cmd
      ->add_option("--store", serve_opts.store,
                   "sqlite (durable, the default) or memory (nothing survives the process)")
      ->envname("JOBFORGE_STORE")
      ->check(CLI::IsMember({"sqlite", "memory"}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--sync", serve_opts.sync,
                   "SQLite synchronous level: full (survives power loss), normal, off")
      ->envname("JOBFORGE_SQLITE_SYNC")
      ->check(CLI::IsMember({"full", "normal", "off"}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--shutdown-grace-ms", serve_opts.shutdown_grace_ms,
                   "On SIGTERM/SIGINT, how long running jobs may finish before they are "
                   "returned to pending")
      ->envname("JOBFORGE_SHUTDOWN_GRACE_MS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--retention-hours", serve_opts.retention_hours,
                   "Finished jobs older than this are deleted (0: keep forever)")
      ->envname("JOBFORGE_RETENTION_HOURS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{24 * 365 * 100}))
      ->capture_default_str();

  auto* types_cmd = app.add_subcommand("types", "Print the registered job types as JSON");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return jobforge::app::serve(serve_opts);
    if (*types_cmd) return print_types();
  } catch (const std::exception& e) {
    spdlog::critical("jobforge: {}", e.what());
    return 1;
  }
  return 1;
}

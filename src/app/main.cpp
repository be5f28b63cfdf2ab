// The `jobforge` executable.
//
//   jobforge serve [--config FILE] [--port N] [--data-dir DIR] ...
//       runs the job processor with the HTTP API until SIGINT or SIGTERM.
//   jobforge worker --join HOST:PORT[,HOST:PORT...] [--executors N] [--types a,b]
//       a worker node: runs attempts for a coordinator (serve with a cluster port).
//   jobforge types
//       prints the registered job types as JSON.
//   jobforge submit|get|list|cancel|wait ...
//       the command-line client of a running server (client_commands.hpp).
//
// serve's settings come from defaults, then the config file
// (config/jobforge.json when present, or --config FILE / JOBFORGE_CONFIG),
// then JOBFORGE_* environment variables, then the flags given here.

#include "app/built_in_types.hpp"
#include "app/client_commands.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/serve_command.hpp"
#include "app/worker_command.hpp"
#include "http/job_type_json.hpp"
#include "store/store_factory.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

namespace {

int print_types() {
  auto types = jobforge::app::built_in_types(jobforge::app::server_config{});
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
  std::optional<std::int64_t> cluster_port;
  std::optional<std::string> web_root;
};

template <class T>
void override_with(T& value, const std::optional<T>& flag) {
  if (flag) value = *flag;
}

/// Defaults, then the configuration file, then the environment: what
/// `serve` and `worker` start from before their flags.
jobforge::app::server_config load_config(const std::optional<std::string>& flag,
                                         jobforge::app::config_problems& problems) {
  using namespace jobforge::app;
  server_config config;
  const auto env = jobforge_environment();
  std::optional<std::string> file = flag;
  if (!file)
    if (auto it = env.find("JOBFORGE_CONFIG"); it != env.end()) file = it->second;
  apply_config_file(config, file.value_or("config/jobforge.json"), file.has_value(), problems);
  apply_environment(config, env, problems);
  return config;
}

/// Prints every problem; true when there were any.
bool report(const jobforge::app::config_problems& problems) {
  if (problems.empty()) return false;
  for (const auto& p : problems)
    std::cerr << "jobforge: " << p << "\n";
  std::cerr << "jobforge: the configuration has " << problems.size()
            << (problems.size() == 1 ? " problem" : " problems") << "; nothing was started\n";
  return true;
}

int run_serve(const serve_flags& flags) {
  using namespace jobforge::app;
  config_problems problems;
  server_config config = load_config(flags.config, problems);
  override_with(config.host, flags.host);
  override_with(config.port, flags.port);
  override_with(config.executors, flags.executors);
  override_with(config.max_body_bytes, flags.max_body_bytes);
  override_with(config.data_dir, flags.data_dir);
  override_with(config.store, flags.store);
  override_with(config.sqlite_sync, flags.sync);
  override_with(config.shutdown_grace_ms, flags.shutdown_grace_ms);
  override_with(config.retention_hours, flags.retention_hours);
  override_with(config.cluster_port, flags.cluster_port);
  override_with(config.web_root, flags.web_root);
  check_combination(config, problems);
  if (!config.web_root.empty() &&
      !std::filesystem::is_regular_file(std::filesystem::path(config.web_root) / "index.html"))
    problems.push_back("--web-root " + config.web_root +
                       ": not a folder holding the dashboard's index.html");
  if (report(problems)) return 2;
  configure_logging(config.log_format, config.log_level);
  return serve(config);
}

int run_worker(const std::optional<std::string>& config_flag,
               const jobforge::app::worker_flags& flags) {
  using namespace jobforge::app;
  config_problems problems;
  server_config config = load_config(config_flag, problems);
  check_combination(config, problems);
  if (report(problems)) return 2;
  configure_logging(config.log_format, config.log_level);
  return worker(config, flags);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jobforge: an asynchronous job processor"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "jobforge " JOBFORGE_VERSION);

  serve_flags f;
  auto* serve_cmd = app.add_subcommand(
      "serve", "Run the job processor and its HTTP API (settings: README, Configuration)");
  serve_cmd->add_option("--config", f.config,
                        "Configuration file (default: config/jobforge.json if present; env "
                        "JOBFORGE_CONFIG)");
  serve_cmd->add_option("--host", f.host, "Address to listen on (loopback only without api_keys)");
  serve_cmd->add_option("--port", f.port, "Port to listen on, 0: any free port")
      ->check(CLI::Range(0, 65535));
  serve_cmd
      ->add_option("--executors", f.executors,
                   "Jobs running at once in this process (0: only on worker nodes)")
      ->check(CLI::Range(0, 4096));
  serve_cmd
      ->add_option("--max-body-bytes", f.max_body_bytes,
                   "Larger request bodies are refused with 413")
      ->check(CLI::Range(1024, 1 << 30));
  serve_cmd->add_option("--data-dir", f.data_dir,
                        "Folder of the SQLite database and of results/ (created if missing)");
  serve_cmd
      ->add_option("--store", f.store,
                   "sqlite (durable, the default), postgres (durable, standbys; postgres.url) or "
                   "memory")
      ->check(CLI::IsMember(jobforge::store_kind_names()));
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

  serve_cmd
      ->add_option("--cluster-port", f.cluster_port,
                   "Port worker nodes join on (0: any free port; env JOBFORGE_CLUSTER_PORT)")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--web-root", f.web_root,
                        "Serve the dashboard from this folder (the repository's web/), read at "
                        "every request, instead of the copy compiled in (development)");

  std::optional<std::string> worker_config;
  jobforge::app::worker_flags wf;
  auto* worker_cmd = app.add_subcommand(
      "worker", "Run a worker node that joins a coordinator (cluster.* settings: README)");
  worker_cmd->add_option("--config", worker_config,
                         "Configuration file, for the cluster and job type sections");
  worker_cmd->add_option("--join", wf.join, "Coordinator cluster addresses, HOST:PORT[,HOST:PORT]")
      ->required();
  worker_cmd->add_option("--node-id", wf.node_id, "This node's name (default: the host name)");
  worker_cmd->add_option("--executors", wf.executors, "Attempts it runs at once")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  worker_cmd->add_option("--types", wf.types,
                         "Job types it runs, comma-separated (default: every built-in type)");

  auto* types_cmd = app.add_subcommand("types", "Print the registered job types as JSON");

  // The client commands; every one talks to a server at --url.
  jobforge::app::client_options client;
  if (const char* url = std::getenv("JOBFORGE_URL")) client.url = url;
  if (const char* key = std::getenv("JOBFORGE_API_KEY")) client.api_key = key;
  if (const char* ca = std::getenv("JOBFORGE_CA_CERT")) client.ca_cert = ca;
  const auto add_client = [&](const char* name, const char* what) {
    auto* cmd = app.add_subcommand(name, what);
    cmd->add_option("--url", client.url, "Server URL (env JOBFORGE_URL)")->capture_default_str();
    cmd->add_option("--api-key", client.api_key, "API key (env JOBFORGE_API_KEY)");
    cmd->add_option("--ca-cert", client.ca_cert,
                    "PEM file of the CA of an https:// server's certificate, when the system's "
                    "do not cover it (env JOBFORGE_CA_CERT)");
    return cmd;
  };
  jobforge::app::submit_options sub;
  auto* submit_cmd = add_client("submit", "Submit a job");
  submit_cmd->add_option("type", sub.type, "Job type")->required();
  submit_cmd->add_option("--payload", sub.payload, "JSON payload, or @file")->capture_default_str();
  submit_cmd->add_option("--priority", sub.priority, "low, normal, high or critical");
  submit_cmd->add_option("--depends-on", sub.depends_on, "Parent job id (repeatable)");
  submit_cmd->add_option("--dependency-mode", sub.dependency_mode, "all (default) or any")
      ->check(CLI::IsMember({"all", "any"}));
  submit_cmd
      ->add_option("--on-dependency-failure", sub.on_dependency_failure,
                   "cancel (default) or run: what a failed parent or the timeout does")
      ->check(CLI::IsMember({"cancel", "run"}));
  submit_cmd->add_option("--dependency-timeout-ms", sub.dependency_timeout_ms,
                         "Still blocked this long after submission: canceled or run");
  submit_cmd->add_option("--unique-key", sub.unique_key,
                         "Deduplication key: a repeat inside the window answers the first job "
                         "(and makes the submission safe to retry)");
  submit_cmd->add_option("--unique-for-ms", sub.unique_for_ms,
                         "The deduplication window (default 1 h with a key)");
  submit_cmd->add_option("--max-attempts", sub.max_attempts,
                         "Attempts at most (within the type's bound)");
  submit_cmd->add_option("--max-retry-ms", sub.max_retry_ms,
                         "The longest its retries may take in all; 0: no limit");
  submit_cmd->add_option("--run-at", sub.run_at, "Earliest start, RFC 3339");
  submit_cmd->add_option("--tag", sub.tags, "A label (repeatable)");
  submit_cmd->add_flag("--wait", sub.wait, "Wait for the job to end, showing its progress");
  submit_cmd->add_option("--timeout", sub.timeout_s, "Seconds to wait at most")
      ->capture_default_str();
  std::string id;
  auto* get_cmd = add_client("get", "Show a job as JSON");
  get_cmd->add_option("id", id, "Job id")->required();
  jobforge::app::list_options list;
  auto* list_cmd = add_client("list", "List jobs as a table, newest first");
  list_cmd->add_option("--status", list.status, "Statuses, comma-separated");
  list_cmd->add_option("--type", list.type, "Job type");
  list_cmd->add_option("--limit", list.limit, "How many")->check(CLI::Range(1, 1000));
  std::string reason, mode = "graceful";
  auto* cancel_cmd = add_client("cancel", "Cancel a job");
  cancel_cmd->add_option("id", id, "Job id")->required();
  cancel_cmd->add_option("--reason", reason, "Why");
  cancel_cmd->add_option("--mode", mode, "graceful or forced")
      ->check(CLI::IsMember({"graceful", "forced"}))
      ->capture_default_str();
  std::string level;
  auto* priority_cmd = add_client("priority", "Give a job that has not started a new priority");
  priority_cmd->add_option("id", id, "Job id")->required();
  priority_cmd->add_option("level", level, "low, normal, high or critical")
      ->required()
      ->check(CLI::IsMember({"low", "normal", "high", "critical"}));
  double timeout_s = 300;
  auto* wait_cmd = add_client("wait", "Wait for a job to end, showing its progress");
  wait_cmd->add_option("id", id, "Job id")->required();
  wait_cmd->add_option("--timeout", timeout_s, "Seconds to wait at most")->capture_default_str();

  jobforge::app::schedule_options sched;
  auto* schedules_cmd = add_client("schedules", "Periodic schedules: list, show, create, ...");
  schedules_cmd->require_subcommand(1);
  const auto schedule_action = [&](const char* action, const char* what, bool named) {
    auto* cmd = schedules_cmd->add_subcommand(action, what);
    cmd->fallthrough();  // --url and --api-key after the action belong to `schedules`
    cmd->callback([&sched, action] { sched.action = action; });
    if (named) cmd->add_option("name", sched.name, "Schedule name")->required();
    return cmd;
  };
  schedule_action("list", "List the schedules as a table", false);
  schedule_action("show", "Show a schedule as JSON", true);
  auto* create_cmd = schedule_action("create", "Create a schedule", true);
  create_cmd->add_option("--cron", sched.cron, "Cron expression (5 fields, or @daily, ...)")
      ->required();
  create_cmd->add_option("--type", sched.type, "Job type of every job it makes")->required();
  create_cmd->add_option("--zone", sched.zone, "IANA time zone")->capture_default_str();
  create_cmd->add_option("--payload", sched.payload, "JSON payload, or @file")
      ->capture_default_str();
  create_cmd->add_option("--priority", sched.priority, "low, normal, high or critical");
  create_cmd->add_option("--on-missed", sched.on_missed, "skip or catch_up")
      ->check(CLI::IsMember({"skip", "catch_up"}))
      ->capture_default_str();
  create_cmd->add_option("--catch-up-cap", sched.catch_up_cap, "Missed ticks fired at most")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  create_cmd->add_flag("--paused", sched.paused, "Create it paused");
  schedule_action("delete", "Delete a schedule made through the API", true);
  schedule_action("pause", "Pause a schedule", true);
  schedule_action("resume", "Resume a schedule (ticks count from now)", true);
  schedule_action("trigger", "Make one job of the schedule now", true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : jobforge::app::exit_bad_input;
  }
  try {
    if (*serve_cmd) return run_serve(f);
    if (*worker_cmd) return run_worker(worker_config, wf);
    if (*types_cmd) return print_types();
    if (*submit_cmd) return jobforge::app::submit_command(client, sub);
    if (*get_cmd) return jobforge::app::get_command(client, id);
    if (*list_cmd) return jobforge::app::list_command(client, list);
    if (*cancel_cmd) return jobforge::app::cancel_command(client, id, reason, mode);
    if (*wait_cmd) return jobforge::app::wait_command(client, id, timeout_s);
    if (*priority_cmd) return jobforge::app::priority_command(client, id, level);
    if (*schedules_cmd) return jobforge::app::schedules_command(client, sched);
  } catch (const std::exception& e) {
    spdlog::critical("jobforge: {}", e.what());
    return 1;
  }
  return 1;
}

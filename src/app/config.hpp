#pragma once
/// The server's configuration: defaults, then `config/jobforge.json` (or
/// the file given with --config), then environment variables, then command
/// line flags, each later one winning. Every key of the file has an
/// environment variable: JOBFORGE_ and the key in upper case, a nested key
/// joined with "_" (`port` is JOBFORGE_PORT, `smtp.host` JOBFORGE_SMTP_HOST);
/// `api_keys` takes its JSON array as text; `job_types` (JOBFORGE_JOB_TYPES)
/// its JSON object, merged type by type and key by key over the file's.
///
/// Validation names the source and key of every problem at once, e.g.
///   config/jobforge.json: port: must be an integer within 0..65535, got "80a"
///   env JOBFORGE_EXECUTORS: must be an integer within 1..4096, got "many"

#include "http/access.hpp"
#include "model/error.hpp"

#include "model/job_type_policy.hpp"
#include "model/schedule.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace jobforge::app {

/// API keys and roles belong to the HTTP gateway, which enforces them.
using http::api_key;
using http::parse_role;
using http::role;
using http::to_string;

/// A configured webhook: status changes of jobs of `types` (all when
/// empty) reaching one of `events` (completed, failed, canceled when
/// empty; "*" for every transition) are POSTed to `url`.
struct webhook_rule_config {
  std::string url;
  std::vector<std::string> types;
  std::vector<std::string> events;
};

struct server_config {
  std::string host = "127.0.0.1";
  std::int64_t port = 8080;
  std::string data_dir = "data";
  std::string store = "sqlite";  ///< one of store_kind_names()
  std::string sqlite_sync = "full";
  std::int64_t executors = 16;
  std::string cpu_scheduling = "batch";  ///< batch | normal: Linux policy of every thread
  std::int64_t max_body_bytes = 2 << 20;
  std::int64_t shutdown_grace_ms = 30'000;
  std::int64_t timeout_warning_percent = 80;
  std::int64_t retention_hours = 7 * 24;
  std::int64_t max_inline_result_bytes = 64 * 1024;
  std::int64_t sse_keep_alive_ms = 15'000;
  std::string log_format = "text";  ///< text | json
  std::string log_level = "info";   ///< trace | debug | info | warn | error
  std::string tls_cert;             ///< both set: HTTPS
  std::string tls_key;
  /// The dashboard's files: empty, those compiled in; a folder (the
  /// `--web-root` flag only), read at every request while developing.
  std::string web_root;
  std::vector<api_key> api_keys;  ///< none: loopback only, callers are admin of "default"

  // smtp: the email.send job type
  std::string smtp_host = "127.0.0.1";
  std::int64_t smtp_port = 25;
  std::string smtp_security = "none";  ///< none | starttls | tls
  std::string smtp_username;
  std::string smtp_password;
  std::string smtp_from = "jobforge@localhost";
  std::string smtp_templates_dir = "config/templates";
  std::string smtp_attachments_dir;  ///< empty: attachments by path are refused
  std::int64_t smtp_max_attachment_bytes = 10 << 20;
  std::int64_t smtp_connect_timeout_ms = 10'000;

  // http_request: the http.request job type
  std::int64_t http_request_max_response_bytes = 1 << 20;
  std::int64_t http_request_default_timeout_ms = 30'000;

  // files: report.generate and file.process
  std::string files_input_dir;  ///< empty: <data_dir>/inputs

  // webhooks
  std::string webhooks_secret;  ///< signs deliveries; empty: unsigned
  std::int64_t webhooks_max_attempts = 10;
  std::int64_t webhooks_timeout_ms = 10'000;
  std::vector<webhook_rule_config> webhooks_rules;

  /// Periodic schedules (docs/schedules.md), checked but for their job
  /// type, which serve checks against the registry.
  std::vector<schedule_definition> schedules;

  /// Operators' policies by job type name (`job_types.<name>`), the
  /// environment's JOBFORGE_JOB_TYPES merged key by key over the file's;
  /// checked for shape here, against the types by serve.
  std::map<std::string, job_type_policy> job_types;

  // cluster: worker nodes joining this coordinator
  std::int64_t cluster_port = -1;  ///< -1: no cluster port
  std::string cluster_host = "127.0.0.1";
  std::string cluster_token;
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  bool cluster_insecure = false;
  std::int64_t cluster_heartbeat_ms = 200;
  std::int64_t cluster_timeout_ms = 1'000;

  // postgres: the PostgreSQL store
  std::string postgres_url;  ///< libpq connection string or URI
  std::int64_t postgres_lease_ms = 5'000;
  std::int64_t postgres_renew_ms = 1'000;
  std::int64_t postgres_pool_size = 2;

  /// Where clients reach this coordinator (standbys name it); empty: from host and port.
  std::string advertise_url;

  /// files.input_dir, or its default under data_dir.
  std::string input_dir() const;
};

/// One line per problem; empty when the configuration is good.
using config_problems = std::vector<std::string>;

/// Reads `path` over `config` (a missing file is a problem only when
/// `required`, i.e. named explicitly).
void apply_config_file(server_config& config, const std::string& path, bool required,
                       config_problems& problems);

/// Applies the JOBFORGE_* variables of `env` (name -> value) over `config`.
void apply_environment(server_config& config, const std::map<std::string, std::string>& env,
                       config_problems& problems);

/// Checks what no single key can: both TLS files or neither, keys unique.
void check_combination(const server_config& config, config_problems& problems);

/// The process environment's JOBFORGE_* variables.
std::map<std::string, std::string> jobforge_environment();

/// Every key with its default, its environment variable and meaning (for
/// the README and `jobforge config --help`).
struct config_key_doc {
  std::string key;
  std::string env;
  std::string default_value;
  std::string meaning;
};
std::vector<config_key_doc> documented_keys();

}  // namespace jobforge::app

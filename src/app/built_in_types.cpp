#include "app/built_in_types.hpp"

#include "handlers/demo_types.hpp"
#include "handlers/email_send.hpp"
#include "handlers/file_types.hpp"
#include "handlers/http_request.hpp"
#include "handlers/webhook_deliver.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace jobforge::app {
namespace {

handlers::smtp_security security_of(const std::string& name) {
  if (name == "starttls") return handlers::smtp_security::starttls;
  if (name == "tls") return handlers::smtp_security::tls;
  return handlers::smtp_security::none;  // the configuration allows no other value
}

handlers::smtp_settings smtp_of(const server_config& c) {
  handlers::smtp_settings s;
  s.host = c.smtp_host;
  s.port = static_cast<int>(c.smtp_port);
  s.security = security_of(c.smtp_security);
  s.username = c.smtp_username;
  s.password = c.smtp_password;
  s.from = c.smtp_from;
  s.templates_dir = c.smtp_templates_dir;
  s.attachments_dir = c.smtp_attachments_dir;
  s.max_attachment_bytes = static_cast<std::size_t>(c.smtp_max_attachment_bytes);
  s.connect_timeout_ms = c.smtp_connect_timeout_ms;
  return s;
}

}  // namespace

std::string work_dir_of(const server_config& c) {
  // Beside results/, so that handing a finished output over is a rename.
  return (std::filesystem::path(c.data_dir) / "work").string();
}

expected<job_type_registry> built_in_types(const server_config& c) {
  job_type_registry types;
  if (auto ok = handlers::register_demo_types(types); !ok) return ok.error_value();

  handlers::http_request_settings http;
  http.max_response_bytes = static_cast<std::size_t>(c.http_request_max_response_bytes);
  http.default_timeout_ms = c.http_request_default_timeout_ms;

  handlers::file_settings files;
  files.input_dir = c.input_dir();
  files.work_dir = work_dir_of(c);

  handlers::webhook_delivery_settings hooks;
  hooks.secret = c.webhooks_secret;
  hooks.max_attempts = static_cast<int>(c.webhooks_max_attempts);
  hooks.timeout_ms = c.webhooks_timeout_ms;

  for (auto t : {handlers::email_send_type(smtp_of(c)), handlers::http_request_type(http),
                 handlers::report_generate_type(files), handlers::file_process_type(files),
                 handlers::webhook_deliver_type(hooks)})
    if (auto ok = types.add(std::move(t)); !ok) return ok.error_value();
  return types;
}

config_problems apply_configured_policies(job_type_registry& types, const server_config& c) {
  config_problems problems;
  for (const auto& [name, policy] : c.job_types)
    for (const auto& problem : types.apply_policy(name, policy))
      problems.push_back("job_types." + name + ": " + problem);
  return problems;
}

expected<void> prepare_job_folders(const server_config& c) {
  std::error_code data_ec;
  std::filesystem::create_directories(c.data_dir, data_ec);
  if (data_ec)
    return error{error_code::unavailable,
                 "cannot create the data directory " + c.data_dir + ": " + data_ec.message()};
  for (const auto& dir : {c.input_dir(), work_dir_of(c)}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return error{error_code::unavailable,
                   "cannot create the folder " + dir + ": " + ec.message()};
  }
  if (c.webhooks_secret.empty())
    spdlog::warn(
        "webhooks.secret is empty: webhook deliveries go out unsigned (no X-Jobforge-Signature)");
  return {};
}

webhook_settings webhook_settings_of(const server_config& c) {
  webhook_settings out;
  for (const auto& rule : c.webhooks_rules) {
    webhook_rule r;
    r.url = rule.url;
    r.types = rule.types;
    for (const auto& e : rule.events) {
      if (e == "*") {
        r.events.assign(all_job_statuses.begin(), all_job_statuses.end());
        break;
      }
      if (auto s = parse_job_status(e)) r.events.push_back(*s);
    }
    out.rules.push_back(std::move(r));
  }
  return out;
}

}  // namespace jobforge::app

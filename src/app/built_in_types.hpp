#pragma once
/// Every job type the `jobforge` binary registers.

#include "app/config.hpp"
#include "model/job_type_registry.hpp"
#include "model/webhook.hpp"

namespace jobforge::app {

/// The demo types, the real integrations (email.send, http.request,
/// report.generate, file.process) and the webhook deliverer, each set up
/// from its section of the configuration.
expected<job_type_registry> built_in_types(const server_config& config);

/// Sets the configured `job_types` policies on the registry's types; every
/// problem names the type ("job_types.email.send: max_attempts: ...");
/// none when all applied. Types with a problem keep their built-in policy.
config_problems apply_configured_policies(job_type_registry& types, const server_config& config);

/// Where file jobs write their outputs before the runtime keeps them.
std::string work_dir_of(const server_config& config);

/// Creates the folders the file types and result files use (input, work),
/// and warns about what the configuration leaves weak (unsigned webhooks).
expected<void> prepare_job_folders(const server_config& config);

/// The configured webhooks, for the runtime.
webhook_settings webhook_settings_of(const server_config& config);

}  // namespace jobforge::app

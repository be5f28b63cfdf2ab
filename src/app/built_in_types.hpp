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

/// The configured webhooks, for the runtime.
webhook_settings webhook_settings_of(const server_config& config);

}  // namespace jobforge::app

#include "app/built_in_types.hpp"

#include "handlers/demo_types.hpp"

namespace jobforge::app {

expected<job_type_registry> built_in_types(const server_config&) {
  job_type_registry types;
  if (auto ok = handlers::register_demo_types(types); !ok) return ok.error_value();
  return types;
}

webhook_settings webhook_settings_of(const server_config&) {
  return {};
}

}  // namespace jobforge::app

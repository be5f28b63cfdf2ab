#include "handlers/demo_types.hpp"

namespace jobforge::handlers {

expected<void> register_demo_types(job_type_registry& registry) {
  for (auto make : {noop_type, echo_type, sleep_type, fail_type, progress_type})
    if (auto ok = registry.add(make()); !ok) return ok;
  return {};
}

}  // namespace jobforge::handlers

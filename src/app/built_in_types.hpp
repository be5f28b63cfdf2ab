#pragma once
/// Every job type the `jobforge` binary registers.

#include "model/job_type_registry.hpp"

namespace jobforge::app {

expected<job_type_registry> built_in_types();

}  // namespace jobforge::app

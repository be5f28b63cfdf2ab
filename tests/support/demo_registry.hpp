#pragma once
/// The demo handler types (handlers/demo_types.hpp) as a registry, for the
/// tests that start a runtime; `extra` adds a test's own types.

#include "handlers/demo_types.hpp"
#include "model/job_type_registry.hpp"

#include <catch2/catch.hpp>

#include <functional>

namespace jobforge::test {

inline job_type_registry demo_registry(const std::function<void(job_type_registry&)>& extra = {}) {
  job_type_registry types;
  REQUIRE(handlers::register_demo_types(types));
  if (extra) extra(types);
  return types;
}

}  // namespace jobforge::test

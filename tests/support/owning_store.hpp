#pragma once
/// A store that owns what the store it wraps lives in (a folder, a scratch
/// database) and lets it go after the store: a test's store cleans up after
/// itself.

#include "store/forwarding_store.hpp"

#include <memory>
#include <utility>

namespace jobforge::testing_support {

/// Holds the resource in a base class constructed before, and so destroyed
/// after, the forwarding_store that holds the store.
template <class Resource>
struct resource_holder {
  std::unique_ptr<Resource> resource;
};

template <class Resource>
class owning_store final : private resource_holder<Resource>, public forwarding_store {
 public:
  owning_store(std::unique_ptr<Resource> resource, std::unique_ptr<store> inner)
      : resource_holder<Resource>{std::move(resource)}, forwarding_store(std::move(inner)) {}

  Resource& resource() { return *this->resource_holder<Resource>::resource; }
};

}  // namespace jobforge::testing_support

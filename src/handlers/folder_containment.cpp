#include "handlers/folder_containment.hpp"

namespace jobforge::handlers {

path_place place_of(const std::filesystem::path& path, const std::filesystem::path& folder) {
  auto at = path.begin();
  for (const auto& part : folder) {
    if (part.empty()) continue;  // the "" a trailing '/' leaves
    if (at == path.end() || *at != part) return path_place::outside;
    ++at;
  }
  while (at != path.end() && at->empty())
    ++at;
  return at == path.end() ? path_place::the_folder : path_place::inside;
}

}  // namespace jobforge::handlers

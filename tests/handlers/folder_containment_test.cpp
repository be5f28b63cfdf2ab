#include "handlers/folder_containment.hpp"

#include <catch2/catch.hpp>

using jobforge::handlers::path_place;
using jobforge::handlers::place_of;

TEST_CASE("place_of compares whole components", "[handlers][paths]") {
  CHECK(place_of("/data/in/a.csv", "/data/in") == path_place::inside);
  CHECK(place_of("/data/in/sub/a.csv", "/data/in/") == path_place::inside);
  CHECK(place_of("/data/in", "/data/in") == path_place::the_folder);
  CHECK(place_of("/data/in/", "/data/in") == path_place::the_folder);
  CHECK(place_of("/data/in", "/data/in/") == path_place::the_folder);
  // A sibling whose name starts with the folder's is not inside it.
  CHECK(place_of("/data/in2/a.csv", "/data/in") == path_place::outside);
  CHECK(place_of("/data", "/data/in") == path_place::outside);
  CHECK(place_of("/etc/passwd", "/data/in") == path_place::outside);
  CHECK(place_of("/anything", "/") == path_place::inside);
}

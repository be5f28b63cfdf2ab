// The API key comparison (issue 22): right answers for equal, different,
// different-length and empty keys. Its timing is by construction (no early
// exit, see src/http/key_compare.hpp), which a unit test cannot measure.
#include "http/key_compare.hpp"
#include "http/access.hpp"

#include <catch2/catch.hpp>

#include <string>

using jobforge::http::same_key;

TEST_CASE("same_key: equal keys match, any difference does not", "[http][auth][key_compare]") {
  const std::string key = "acme-admin-key-0123456789";
  CHECK(same_key(key, key));
  CHECK(same_key(std::string(key), key));  // equal content, another buffer
  SECTION("a difference at the first, a middle or the last byte") {
    for (std::size_t at : {std::size_t{0}, key.size() / 2, key.size() - 1}) {
      auto other = key;
      other[at] ^= 0x01;
      INFO("byte " << at);
      CHECK_FALSE(same_key(other, key));
    }
  }
  SECTION("a prefix, an extension, and a repetition of the key differ") {
    CHECK_FALSE(same_key(key.substr(0, key.size() - 1), key));
    CHECK_FALSE(same_key(key + "x", key));
    CHECK_FALSE(same_key(key + key, key));  // equal to the key repeated, as compared
    CHECK_FALSE(same_key(key, key + key));
  }
  SECTION("empty on either side") {
    CHECK_FALSE(same_key("", key));
    CHECK_FALSE(same_key(key, ""));
    CHECK(same_key("", ""));
  }
}

TEST_CASE("key_ring: every configured key is found, a near miss is not",
          "[http][auth][key_compare]") {
  using namespace jobforge::http;
  key_ring ring({{"first-key-aaaaaaaaaaaa", "acme", role::viewer, "first"},
                 {"second-key-bbbbbbbbbbb", "globex", role::admin, "second"}});
  auto first = ring.authenticate(std::string("Bearer first-key-aaaaaaaaaaaa"));
  REQUIRE(first);
  CHECK(first->name == "first");
  CHECK(first->tenant == "acme");
  auto second = ring.authenticate(std::string("bearer   second-key-bbbbbbbbbbb"));
  REQUIRE(second);
  CHECK(second->name == "second");
  CHECK(second->role == role::admin);
  for (const char* header : {"Bearer first-key-aaaaaaaaaaa", "Bearer first-key-aaaaaaaaaaaab",
                             "Bearer second-key-bbbbbbbbbbB", "Bearer", "Bearer ", "Basic x",
                             "first-key-aaaaaaaaaaaa", ""}) {
    INFO(header);
    auto who = ring.authenticate(std::string(header));
    REQUIRE_FALSE(who);
    CHECK(who.error_value().code == jobforge::error_code::unauthenticated);
  }
}

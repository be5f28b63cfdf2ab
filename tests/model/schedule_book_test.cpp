#include "model/schedule_book.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace jobforge;

namespace {

schedule_definition named(std::string name, std::string type = "echo") {
  schedule_definition s;
  s.name = std::move(name);
  s.cron = "@daily";
  s.job.type = std::move(type);
  return s;
}

std::vector<std::string> names(const schedule_book& book) {
  std::vector<std::string> out;
  for (const schedule_entry* e : book.list())
    out.push_back(e->definition.name);
  return out;
}

using list = std::vector<std::string>;

}  // namespace

TEST_CASE("schedule book: config and API schedules side by side, sorted by name", "[schedule]") {
  auto book = schedule_book::make({named("b-config")}, {named("a-api"), named("c-api")});
  REQUIRE(book);
  CHECK(names(*book) == list{"a-api", "b-config", "c-api"});
  CHECK(book->find("b-config")->origin == schedule_origin::config);
  CHECK(book->find("a-api")->origin == schedule_origin::api);
  CHECK(book->find("zzz") == nullptr);
  CHECK(book->shadowed().empty());
  CHECK(to_string(schedule_origin::config) == "config");
  CHECK(to_string(schedule_origin::api) == "api");
}

TEST_CASE("schedule book: the config wins a name clash with a stored API schedule", "[schedule]") {
  auto book = schedule_book::make({named("nightly", "from-config")},
                                  {named("nightly", "from-api"), named("hourly")});
  REQUIRE(book);
  CHECK(book->find("nightly")->origin == schedule_origin::config);
  CHECK(book->find("nightly")->definition.job.type == "from-config");
  CHECK(book->shadowed() == list{"nightly"});
  CHECK(names(*book) == list{"hourly", "nightly"});
}

TEST_CASE("schedule book: two config schedules of one name are an error", "[schedule]") {
  auto book = schedule_book::make({named("nightly"), named("nightly")}, {});
  REQUIRE_FALSE(book);
  CHECK(book.error_value().code == error_code::invalid_argument);
  CHECK(book.error_value().message == "schedule 'nightly' is defined twice in the config");
}

TEST_CASE("schedule book: the API cannot create, replace or delete a config schedule",
          "[schedule]") {
  auto book = schedule_book::make({named("nightly", "from-config")}, {});
  REQUIRE(book);
  auto created = book->create(named("nightly", "from-api"));
  REQUIRE_FALSE(created);
  CHECK(created.error_value().code == error_code::conflict);
  CHECK(created.error_value().message ==
        "schedule 'nightly' is defined in the config file; the API cannot create, replace or "
        "delete it (pick another name, or change the config)");
  CHECK(created.error_value().details.as_object().at("origin") == "config");
  CHECK(book->find("nightly")->definition.job.type == "from-config");

  auto removed = book->remove("nightly");
  REQUIRE_FALSE(removed);
  CHECK(removed.error_value().code == error_code::conflict);
  CHECK(book->find("nightly") != nullptr);
}

TEST_CASE("schedule book: API schedules are created once and removed", "[schedule]") {
  auto book = schedule_book::make({}, {});
  REQUIRE(book);
  REQUIRE(book->create(named("hourly")));
  auto again = book->create(named("hourly", "other"));
  REQUIRE_FALSE(again);
  CHECK(again.error_value().code == error_code::conflict);
  CHECK(again.error_value().message == "schedule 'hourly' already exists");
  CHECK(book->find("hourly")->definition.job.type == "echo");

  REQUIRE(book->remove("hourly"));
  CHECK(book->find("hourly") == nullptr);
  auto missing = book->remove("hourly");
  REQUIRE_FALSE(missing);
  CHECK(missing.error_value().code == error_code::not_found);
  CHECK(missing.error_value().message == "no schedule 'hourly'");
}

TEST_CASE("schedule book: either kind can be paused and resumed", "[schedule]") {
  auto book = schedule_book::make({named("nightly")}, {named("hourly")});
  REQUIRE(book);
  REQUIRE(book->set_paused("nightly", true));
  REQUIRE(book->set_paused("hourly", true));
  CHECK(book->find("nightly")->definition.paused);
  CHECK(book->find("hourly")->definition.paused);
  REQUIRE(book->set_paused("nightly", false));
  CHECK_FALSE(book->find("nightly")->definition.paused);
  auto missing = book->set_paused("weekly", true);
  REQUIRE_FALSE(missing);
  CHECK(missing.error_value().code == error_code::not_found);
}

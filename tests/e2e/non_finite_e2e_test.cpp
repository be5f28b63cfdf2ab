// Issue 23 against the real server: a number JSON cannot represent (1e400
// parses as infinity) is refused with its path before anything is stored,
// and a store that already holds a document that is not JSON (as an earlier
// jobforge wrote one) still lists every other job and names the bad one.

#include "served_jobforge.hpp"

#include <sqlite3.h>

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using namespace std::chrono_literals;

namespace {

std::string detail_path(const e2e::reply& r) {
  const auto* details = r.object().at("error").as_object().if_contains("details");
  if (!details || !details->is_object()) return {};
  const auto* path = details->as_object().if_contains("path");
  return path && path->is_string() ? std::string(path->as_string()) : std::string();
}

std::size_t listed(const e2e::reply& r, const char* key) {
  const auto* part = r.object().if_contains(key);
  return part ? part->as_array().size() : 0;
}

// Runs `sql` on the server's database file while no server has it open.
void raw_exec(const std::string& data_dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((data_dir + "/jobforge.db").c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  INFO((message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("a number out of range is refused with its path and the list keeps working",
          "[non_finite]") {
  served_jobforge jf;
  // The reproduction of the issue, and its negative twin.
  for (const char* n : {"1e400", "-1e400"}) {
    INFO(n);
    auto r = jf.post_text("/api/jobs", std::string(R"({"type":"echo","payload":{"n":)") + n + "}}");
    CHECK((r.status == 400 || r.status == 422));
    CHECK(r.error_code() == "invalid_argument");
    CHECK(detail_path(r) == "/payload/n");
  }
  // Any request body, wherever the number sits.
  auto batch =
      jf.post_text("/api/jobs/batch", R"({"jobs":[{"type":"echo","payload":{"a":[1,1e999]}}]})");
  CHECK(batch.status == 400);
  CHECK(detail_path(batch) == "/jobs/0/payload/a/1");
  auto retry =
      jf.post_text("/api/jobs", R"({"type":"echo","payload":{},"retry":{"multiplier":1e400}})");
  CHECK(retry.status == 400);
  CHECK(detail_path(retry) == "/retry/multiplier");

  // Nothing was stored, and listing answers for everyone.
  auto empty = jf.get("/api/jobs?limit=5");
  REQUIRE(empty.status == 200);
  CHECK(listed(empty, "items") == 0);
  const auto id = e2e::submit(jf, json::object{{"type", "echo"}, {"payload", {{"n", 1e308}}}});
  REQUIRE(e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + id)) == "completed"; }, 5s));
  auto list = jf.get("/api/jobs?limit=5");
  REQUIRE(list.status == 200);
  REQUIRE(listed(list, "items") == 1);
  CHECK(listed(list, "unreadable") == 0);
  CHECK(list.object().at("items").at(0).at("result").at("n").as_double() == Approx(1e308));
}

TEST_CASE("a stored document that is not JSON is repaired or reported, never a 503 for the list",
          "[non_finite]") {
  e2e::temp_dir data;
  std::vector<std::string> ids;
  {
    served_jobforge jf({}, data.path().string());
    for (int i = 0; i < 4; ++i)
      ids.push_back(e2e::submit(jf, json::object{{"type", "echo"}, {"payload", {{"n", i}}}}));
    for (const auto& id : ids)
      REQUIRE(
          e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + id)) == "completed"; }, 5s));
    REQUIRE(jf.process().stop_with(SIGTERM, 15s).has_value());
  }
  // ids[1]: what the version before this fix wrote for {"n": 1e400} (schema
  // version 3 then); ids[2]: a document cut short, which nothing can repair.
  raw_exec(data.path().string(),
           "UPDATE jobs SET doc = replace(doc, '\"n\":1', '\"n\":Infinity') WHERE id = '" + ids[1] +
               "'; UPDATE jobs SET doc = substr(doc, 1, 40) WHERE id = '" + ids[2] +
               "'; PRAGMA user_version = 3;");

  served_jobforge jf({}, data.path().string());
  for (int round = 0; round < 2; ++round) {
    auto list = jf.get("/api/jobs?limit=10&order=created_asc");
    REQUIRE(list.status == 200);
    std::vector<std::string> items;
    for (const auto& j : list.object().at("items").as_array())
      items.push_back(std::string(j.at("id").as_string()));
    CHECK(items == std::vector<std::string>{ids[0], ids[1], ids[3]});
    REQUIRE(listed(list, "unreadable") == 1);
    const auto& bad = list.object().at("unreadable").at(0);
    CHECK(bad.at("id") == json::value(ids[2]));
    CHECK_THAT(std::string(bad.at("reason").as_string()), Catch::Contains("not JSON"));
  }
  // The repaired one reads, with null where the number could not be kept.
  auto repaired = jf.get("/api/jobs/" + ids[1]);
  CHECK(repaired.status == 200);
  CHECK(repaired.object().at("payload").at("n").is_null());
  // The bad one answers a clear error naming it; the others are untouched.
  auto bad = jf.get("/api/jobs/" + ids[2]);
  CHECK(bad.status == 500);
  CHECK(bad.error_code() == "internal");
  CHECK_THAT(json::serialize(bad.body), Catch::Contains(ids[2]));
  CHECK(status_of(jf.get("/api/jobs/" + ids[3])) == "completed");
  // Logged once, however often it was listed.
  CHECK(occurrences(jf.process().log(), "job " + ids[2] + " is stored but cannot be read, lists") ==
        1);
}

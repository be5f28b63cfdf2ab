// Results over HTTP: a large result is kept as a file in the data
// directory and downloaded as a stream with its checksum, also after a
// restart; small results are answered inline.

#include "served_jobforge.hpp"

#include "../support/sha256.hpp"

namespace json = boost::json;
using e2e::served_jobforge;
using e2e::status_of;
using e2e::submit;
using namespace std::chrono_literals;
using jobforge::testing_support::sha256_hex;

TEST_CASE("a large result is stored as a file and downloaded with its checksum") {
  e2e::temp_dir data;
  std::string text(300'000, 'z');
  for (std::size_t i = 0; i < text.size(); i += 7)
    text[i] = static_cast<char>('a' + i % 26);
  const json::value payload = json::object{{"text", text}};
  std::string id;
  {
    served_jobforge jf({}, data.path().string());
    auto r = jf.post("/api/jobs?wait=10", json::object{{"type", "echo"}, {"payload", payload}});
    REQUIRE(r.status == 201);
    REQUIRE(status_of(r) == "completed");
    id = e2e::id_of(r);

    const auto result = jf.get("/api/jobs/" + id + "/result");
    REQUIRE(result.status == 200);
    const auto& file = result.object().at("result_file").as_object();
    CHECK(file.at("content_type") == "application/json");
    CHECK(result.object().at("result") == json::parse(R"({"stored_as_file": true})"));
    CHECK(std::filesystem::exists(data.path() / "results" /
                                  std::string(file.at("file").as_string())));
  }
  served_jobforge again({}, data.path().string());  // after a restart, still there
  auto download = again.get_raw("/api/jobs/" + id + "/result/download");
  REQUIRE(download);
  CHECK(download->status == 200);
  CHECK(download->get_header_value("Content-Type") == "application/json");
  CHECK(json::parse(download->body) == payload);
  CHECK(download->get_header_value("X-Content-SHA256") == sha256_hex(download->body));
}

TEST_CASE("results of small, unfinished and unknown jobs") {
  served_jobforge jf;
  auto r = jf.post("/api/jobs?wait=10", json::object{{"type", "echo"}, {"payload", {{"n", 42}}}});
  REQUIRE(status_of(r) == "completed");
  const auto id = e2e::id_of(r);
  const auto result = jf.get("/api/jobs/" + id + "/result");
  REQUIRE(result.status == 200);
  CHECK(result.object().at("result") == json::parse(R"({"n": 42})"));
  CHECK(result.object().at("result_file").is_null());
  auto download = jf.get_raw("/api/jobs/" + id + "/result/download");
  REQUIRE(download);
  CHECK(download->status == 200);
  CHECK(json::parse(download->body) == json::parse(R"({"n": 42})"));

  const auto running = submit(jf, e2e::sleep_job(60'000));
  const auto busy = jf.get("/api/jobs/" + running + "/result");
  CHECK(busy.status == 409);
  CHECK(busy.error_code() == "conflict");
  CHECK(jf.get("/api/jobs/0f8fad5b-d9cb-469f-a165-70867728950e/result").status == 404);
  CHECK(jf.get("/api/jobs/not-an-id/result/download").status == 400);
}

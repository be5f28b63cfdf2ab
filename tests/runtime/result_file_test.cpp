// Results kept as files: large JSON results and files handlers produce,
// with their checksums, and their removal with the job.
#include "runtime_fixture.hpp"

#include "../support/temp_dir.hpp"

#include "../support/sha256.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;
using jobforge::testing_support::sha256_hex;
using jobforge::testing_support::temp_dir;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A type whose handler writes `bytes` bytes to a file of its own and
/// returns it as the result ("path" in the payload says where).
job_type file_writer_type() {
  job_type t;
  t.name = "write-file";
  t.schema = boost::json::parse(
      R"({"type":"object","properties":{"path":{"type":"string"},"bytes":{"type":"integer"}},
          "required":["path","bytes"]})");
  t.sample_payload = boost::json::parse(R"({"path": "/tmp/out.txt", "bytes": 10})");
  t.handler = [](handler_context&, const boost::json::value& p) {
    const std::string path(p.at("path").as_string());
    const auto bytes = p.at("bytes").to_number<std::int64_t>();
    if (bytes >= 0) {
      std::ofstream out(path, std::ios::binary);
      for (std::int64_t i = 0; i < bytes; ++i)
        out.put(static_cast<char>('a' + i % 26));
    }
    return handler_result::ok_file(path, "text/plain", boost::json::object{{"bytes", bytes}});
  };
  return t;
}

runtime_config with_results(const temp_dir& dir) {
  runtime_config c;
  c.results_dir = dir.file("results");
  c.max_inline_result_bytes = 1'000;
  return c;
}

}  // namespace

TEST_CASE("a JSON result above the inline limit is kept as a checksummed file",
          "[runtime][results]") {
  temp_dir dir;
  testing::simulated_runtime rt(demo_registry(), with_results(dir));
  const std::string big(5'000, 'x');
  const job large = submit_ok(rt, request("echo", ("{\"text\": \"" + big + "\"}").c_str()));
  const job small = submit_ok(rt, request("echo", R"({"text": "hi"})"));

  const job done = fetch(rt, large.id);
  REQUIRE(done.status == job_status::completed);
  REQUIRE(done.result_file.has_value());
  CHECK(done.result == boost::json::parse(R"({"stored_as_file": true})"));
  CHECK(done.result_file->content_type == "application/json");
  const auto path = std::filesystem::path(dir.file("results")) / done.result_file->file;
  const std::string content = read_file(path);
  CHECK(boost::json::parse(content) == boost::json::object{{"text", big}});
  CHECK(done.result_file->size == static_cast<std::int64_t>(content.size()));
  CHECK(done.result_file->sha256 == sha256_hex(content));

  const job inline_done = fetch(rt, small.id);
  CHECK_FALSE(inline_done.result_file.has_value());
  CHECK(inline_done.result == boost::json::parse(R"({"text": "hi"})"));
}

TEST_CASE("a file a handler produced becomes the job's result file", "[runtime][results]") {
  temp_dir dir;
  testing::simulated_runtime rt(
      demo_registry([](job_type_registry& t) { REQUIRE(t.add(file_writer_type())); }),
      with_results(dir));
  const std::string source = dir.file("output.txt");
  const job j = submit_ok(
      rt, request("write-file", ("{\"path\": \"" + source + "\", \"bytes\": 100000}").c_str()));
  const job done = fetch(rt, j.id);
  REQUIRE(done.status == job_status::completed);
  REQUIRE(done.result_file.has_value());
  CHECK(done.result == boost::json::parse(R"({"bytes": 100000})"));
  CHECK_FALSE(std::filesystem::exists(source));  // moved, not copied
  const std::string content =
      read_file(std::filesystem::path(dir.file("results")) / done.result_file->file);
  CHECK(content.size() == 100'000);
  CHECK(done.result_file->size == 100'000);
  CHECK(done.result_file->sha256 == sha256_hex(content));
  CHECK(done.result_file->content_type == "text/plain");
}

TEST_CASE("a result file that cannot be stored fails the attempt as transient",
          "[runtime][results]") {
  temp_dir dir;
  SECTION("the handler names a file that does not exist") {
    testing::simulated_runtime rt(
        demo_registry([](job_type_registry& t) { REQUIRE(t.add(file_writer_type())); }),
        with_results(dir));
    auto r = request("write-file",
                     ("{\"path\": \"" + dir.file("absent") + "\", \"bytes\": -1}").c_str());
    r.max_attempts = 1;
    const job done = fetch(rt, submit_ok(rt, std::move(r)).id);
    CHECK(done.status == job_status::failed);
    REQUIRE(done.last_error.has_value());
    CHECK(done.last_error->code == "result_not_stored");
    CHECK(done.last_error->kind == error_kind::transient);
  }
  SECTION("the runtime keeps no result files") {
    testing::simulated_runtime rt(
        demo_registry([](job_type_registry& t) { REQUIRE(t.add(file_writer_type())); }));
    auto r =
        request("write-file", ("{\"path\": \"" + dir.file("out") + "\", \"bytes\": 10}").c_str());
    r.max_attempts = 1;
    const job done = fetch(rt, submit_ok(rt, std::move(r)).id);
    CHECK(done.status == job_status::failed);
    REQUIRE(done.last_error.has_value());
    CHECK_THAT(done.last_error->message, Catch::Contains("no results folder"));
  }
}

TEST_CASE("retention deletes a job's result file with the job", "[runtime][results][retention]") {
  temp_dir dir;
  runtime_config c = with_results(dir);
  c.retention.max_age = 1h;
  c.retention.interval = 10min;
  testing::simulated_runtime rt(demo_registry(), c);
  const std::string big(5'000, 'y');
  const job j = submit_ok(rt, request("echo", ("{\"text\": \"" + big + "\"}").c_str()));
  const job done = fetch(rt, j.id);
  REQUIRE(done.result_file.has_value());
  const auto path = std::filesystem::path(dir.file("results")) / done.result_file->file;
  REQUIRE(std::filesystem::exists(path));
  rt.advance(70min);
  CHECK_FALSE(rt.get(j.id).has_value());
  CHECK_FALSE(std::filesystem::exists(path));
}

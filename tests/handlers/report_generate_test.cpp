// report.generate on real files: figures checked against the test's own
// counts and SHA-256, the written report, progress, cancellation with no
// output left behind, and paths that escape the input folder refused.

#include "file_job_support.hpp"
#include "handlers/file_types.hpp"
#include "model/payload_validator.hpp"
#include "support/sha256.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

namespace fs = std::filesystem;
namespace json = boost::json;
using jobforge::error_kind;
using jobforge::handler_result;
using jobforge::handlers::report_generate_type;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using namespace jobforge::testing_support;

namespace {

std::uint64_t figure(const handler_result& r, const char* name) {
  return r.value().at(name).to_number<std::uint64_t>();
}

// The figures the handler should report, counted the plain way over the
// whole text at once.
struct expected_figures {
  std::uint64_t lines = 0, empty_lines = 0, longest_line = 0, longest_line_number = 0;
};

expected_figures count_lines(const std::string& text) {
  expected_figures e;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const auto length = end - start;
    ++e.lines;
    if (length == 0) ++e.empty_lines;
    if (length > e.longest_line || e.lines == 1) {
      e.longest_line = length;
      e.longest_line_number = e.lines;
    }
    start = end + 1;
  }
  return e;
}

void require_monotonic_to_100(const test_context& ctx, std::size_t max_reports) {
  const auto& reports = ctx.progress();
  REQUIRE_FALSE(reports.empty());
  REQUIRE(reports.size() <= max_reports);
  for (std::size_t i = 1; i < reports.size(); ++i)
    REQUIRE(reports[i].percent >= reports[i - 1].percent);
  REQUIRE(reports.back().percent == 100.0);
}

}  // namespace

TEST_CASE("report.generate summarises a small file exactly", "[report_generate]") {
  file_job_folders dirs;
  const std::string content = "alpha\n\nbeta gamma\r\nlast";
  write_file(dirs.input / "notes.txt", content);
  test_context ctx;
  const auto r = run_handler_once(report_generate_type(dirs.settings()),
                                  json::parse(R"({"path": "notes.txt", "top_lines": 3})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(figure(r, "bytes") == content.size());
  CHECK(figure(r, "lines") == 4);
  CHECK(figure(r, "empty_lines") == 1);
  CHECK(figure(r, "crlf_lines") == 1);
  CHECK(figure(r, "longest_line") == 10);  // "beta gamma", its "\r\n" excluded
  CHECK(figure(r, "longest_line_number") == 3);
  CHECK(r.value().at("final_newline") == false);
  CHECK(r.value().at("valid_utf8") == true);
  CHECK(r.value().at("first_invalid_utf8_offset").is_null());
  CHECK(text_of(r.value().at("sha256")) == sha256_hex(content));
  CHECK(r.value().at("format") == "json");

  REQUIRE(r.file());
  CHECK(r.file()->content_type == "application/json");
  const fs::path report_path = r.file()->path;
  CHECK(report_path.parent_path() == dirs.work);
  REQUIRE(dirs.work_files() == std::vector<fs::path>{report_path});
  CHECK(figure(r, "report_bytes") == fs::file_size(report_path));
  const auto report = json::parse(read_file(report_path)).as_object();
  CHECK(text_of(report.at("sha256")) == sha256_hex(content));
  CHECK(report.at("lines") == 4);
  const auto& top = report.at("top_lines").as_array();
  REQUIRE(top.size() == 3);
  CHECK(top[0].at("text") == "alpha");
  CHECK(top[1].at("text") == "");
  CHECK(top[2].at("text") == "beta gamma");
  CHECK(top[2].at("number") == 3);
  CHECK(top[2].at("bytes") == 10);
  CHECK(top[2].at("cut") == false);
}

TEST_CASE("report.generate counts a multi-chunk file like a plain count does",
          "[report_generate]") {
  file_job_folders dirs;
  // Lines straddle the 64 KiB chunks; a final newline and a longest line
  // far from the start test the carry-over between chunks.
  std::string content = seeded_text(3 * 1024 * 1024, 7) + "\n\n";
  content.insert(content.find('\n', 2'000'000) + 1, std::string(70'000, 'x') + "\n");
  write_file(dirs.input / "big.log", content);
  const auto want = count_lines(content);

  test_context ctx;
  const auto r = run_handler_once(report_generate_type(dirs.settings(64 * 1024)),
                                  json::parse(R"({"path": "big.log"})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(figure(r, "bytes") == content.size());
  CHECK(figure(r, "lines") == want.lines);
  CHECK(figure(r, "empty_lines") == want.empty_lines);
  CHECK(figure(r, "longest_line") == want.longest_line);
  CHECK(figure(r, "longest_line") == 70'000);
  CHECK(figure(r, "longest_line_number") == want.longest_line_number);
  CHECK(r.value().at("final_newline") == true);
  CHECK(text_of(r.value().at("sha256")) == sha256_hex(content));

  const auto report = json::parse(read_file(r.file()->path)).as_object();
  CHECK(report.at("top_lines").as_array().size() == 10);  // the default

  // ~49 chunks of 64 KiB: at most one report a chunk, and no more than one
  // a percent.
  require_monotonic_to_100(ctx, 50);
  CHECK(ctx.progress().size() >= 40);
  CHECK(ctx.progress().front().stage == "reading");
  CHECK(ctx.progress().back().message == "3.1 MiB of 3.1 MiB");
}

TEST_CASE("report.generate reports at most once a percent on a file of many small chunks",
          "[report_generate]") {
  file_job_folders dirs;
  const auto content = seeded_text(2 * 1024 * 1024, 3);  // 512 chunks of 4 KiB
  write_file(dirs.input / "many.txt", content);
  test_context ctx;
  const auto r = run_handler_once(report_generate_type(dirs.settings(4096)),
                                  json::parse(R"({"path": "many.txt", "top_lines": 0})"), ctx);
  REQUIRE(r.succeeded());
  require_monotonic_to_100(ctx, 101);
  CHECK(ctx.progress().size() >= 50);
  CHECK(json::parse(read_file(r.file()->path)).at("top_lines").as_array().empty());
}

TEST_CASE("report.generate writes a readable text report", "[report_generate]") {
  file_job_folders dirs;
  const std::string content = "first line\nsecond line\n";
  write_file(dirs.input / "two.txt", content);
  test_context ctx;
  const auto r = run_handler_once(
      report_generate_type(dirs.settings()),
      json::parse(R"({"path": "two.txt", "format": "text", "top_lines": 1})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(r.file()->content_type == "text/plain; charset=utf-8");
  CHECK(fs::path(r.file()->path).extension() == ".txt");
  CHECK(r.value().at("format") == "text");
  const auto text = read_file(r.file()->path);
  CHECK(text.rfind("Report on two.txt\n", 0) == 0);
  CHECK(text.find("  lines               2\n") != std::string::npos);
  CHECK(text.find("  SHA-256             " + sha256_hex(content)) != std::string::npos);
  CHECK(text.find("First 1 line\n     1  first line\n") != std::string::npos);
  CHECK(text.find("second line") == std::string::npos);
}

TEST_CASE("report.generate checks UTF-8 across chunks and keeps the report valid JSON",
          "[report_generate]") {
  file_job_folders dirs;
  SECTION("a character split by the chunk boundary is valid") {
    std::string content(4095, 'a');
    content += "\xE2\x82\xAC\n";  // the euro sign, over bytes 4095..4097
    write_file(dirs.input / "euro.txt", content);
    test_context ctx;
    const auto r = run_handler_once(report_generate_type(dirs.settings(4096)),
                                    json::parse(R"({"path": "euro.txt"})"), ctx);
    REQUIRE(r.succeeded());
    CHECK(r.value().at("valid_utf8") == true);
    CHECK(figure(r, "longest_line") == 4098);
  }
  SECTION("a malformed byte is located, and shown as U+FFFD in the kept lines") {
    const std::string content = "ok \xC3\xA9\nbad \xFF here\n\xE2\x82\n";
    write_file(dirs.input / "bad.txt", content);
    test_context ctx;
    const auto r = run_handler_once(report_generate_type(dirs.settings()),
                                    json::parse(R"({"path": "bad.txt"})"), ctx);
    REQUIRE(r.succeeded());
    CHECK(r.value().at("valid_utf8") == false);
    CHECK(figure(r, "first_invalid_utf8_offset") == 10);
    const auto report = json::parse(read_file(r.file()->path));
    const auto& top = report.at("top_lines").as_array();
    CHECK(top[0].at("text") == "ok \xC3\xA9");
    CHECK(top[1].at("text") == "bad \xEF\xBF\xBD here");
    CHECK(top[2].at("text") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  }
  SECTION("a long line is kept cut at a character boundary, its length whole") {
    std::string line(2047, 'b');
    line += "\xC3\xA9" + std::string(5000, 'c');  // U+00E9 over the 2 KiB cut
    write_file(dirs.input / "long.txt", line + "\nshort\n");
    test_context ctx;
    const auto r = run_handler_once(report_generate_type(dirs.settings()),
                                    json::parse(R"({"path": "long.txt"})"), ctx);
    REQUIRE(r.succeeded());
    const auto report = json::parse(read_file(r.file()->path));
    const auto& first = report.at("top_lines").as_array()[0];
    CHECK(first.at("cut") == true);
    CHECK(first.at("bytes") == line.size());
    CHECK(text_of(first.at("text")) == std::string(2047, 'b'));
    CHECK(report.at("top_lines").as_array()[1].at("text") == "short");
  }
}

TEST_CASE("report.generate on an empty file", "[report_generate]") {
  file_job_folders dirs;
  write_file(dirs.input / "empty.txt", "");
  test_context ctx;
  const auto r = run_handler_once(report_generate_type(dirs.settings()),
                                  json::parse(R"({"path": "empty.txt"})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(figure(r, "bytes") == 0);
  CHECK(figure(r, "lines") == 0);
  CHECK(figure(r, "longest_line_number") == 0);
  CHECK(text_of(r.value().at("sha256")) == sha256_hex(""));
  require_monotonic_to_100(ctx, 1);
}

TEST_CASE("report.generate stopped mid-file leaves nothing behind", "[report_generate]") {
  file_job_folders dirs;
  write_file(dirs.input / "big.txt", seeded_text(2 * 1024 * 1024, 11));
  const auto type = report_generate_type(dirs.settings(64 * 1024));
  const auto payload = json::parse(R"({"path": "big.txt"})");

  SECTION("a stop requested once progress passes 30%") {
    test_context inner;
    stop_on_progress ctx(inner, 30.0);
    const auto r = jobforge::invoke_handler(type.handler, ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().code == "interrupted");
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().message.find("(canceled)") != std::string::npos);
    CHECK(inner.progress().back().percent >= 30.0);
    CHECK(inner.progress().back().percent < 40.0);
  }
  SECTION("a stop requested before the start") {
    test_context ctx;
    ctx.request_stop(jobforge::stop_reason::timeout);
    const auto r = run_handler_once(type, payload, ctx);
    CHECK(r.error().code == "interrupted");
    CHECK(r.error().message == "stopped after 0 B of 2.0 MiB (timeout)");
    CHECK(ctx.progress().empty());
  }
  CHECK(dirs.work_files().empty());
}

TEST_CASE("report.generate refuses paths outside the input folder", "[report_generate]") {
  file_job_folders dirs;
  write_file(dirs.outside / "secret.txt", "secret\n");
  write_file(dirs.input / "inside.txt", "inside\n");
  fs::create_directories(dirs.input / "sub");
  fs::create_symlink(dirs.outside / "secret.txt", dirs.input / "link.txt");
  fs::create_directory_symlink(dirs.outside, dirs.input / "out");
  // A sibling whose name starts with the input folder's: not inside it.
  fs::create_directories(dirs.root.path() / "input2");
  write_file(dirs.root.path() / "input2" / "near.txt", "near\n");
  const auto type = report_generate_type(dirs.settings());

  const auto run = [&](const std::string& path) {
    test_context ctx;
    return run_handler_once(type, json::object{{"path", path}}, ctx);
  };
  for (const std::string& path :
       {std::string("../outside/secret.txt"), std::string("sub/../../outside/secret.txt"),
        (dirs.outside / "secret.txt").string(), std::string("link.txt"),
        std::string("out/secret.txt"), std::string("../input2/near.txt"),
        (dirs.root.path() / "input2" / "near.txt").string(), std::string("/etc/passwd"),
        std::string(".."), std::string("../outside/missing.txt")}) {
    INFO(path);
    const auto r = run(path);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().code == "path_not_allowed");
    CHECK(r.error().kind == error_kind::permanent);
  }

  CHECK(run("missing.txt").error().code == "not_found");
  CHECK(run("missing.txt").error().kind == error_kind::permanent);
  CHECK(run("sub").error().code == "not_a_file");
  CHECK(run(".").error().code == "not_a_file");
  CHECK(run("sub/../inside.txt").succeeded());
  CHECK(run((dirs.input / "inside.txt").string()).succeeded());
  CHECK(dirs.work_files().size() == 2);

  auto no_folder = dirs.settings();
  no_folder.input_dir.clear();
  test_context ctx;
  const auto r = run_handler_once(report_generate_type(no_folder),
                                  json::parse(R"({"path": "inside.txt"})"), ctx);
  CHECK(r.error().code == "path_not_allowed");
}

TEST_CASE("report.generate names each output uniquely", "[report_generate]") {
  file_job_folders dirs;
  write_file(dirs.input / "a.txt", "a\n");
  const auto type = report_generate_type(dirs.settings());
  std::set<std::string> paths;
  test_context ctx;  // the same job and attempt every time
  for (int i = 0; i < 5; ++i) {
    const auto r = run_handler_once(type, json::parse(R"({"path": "a.txt"})"), ctx);
    REQUIRE(r.succeeded());
    const auto name = fs::path(r.file()->path).filename().string();
    CHECK(name.rfind("report-" + jobforge::to_string(ctx.job()) + "-1-", 0) == 0);
    paths.insert(r.file()->path);
  }
  CHECK(paths.size() == 5);
}

TEST_CASE("report.generate's schema and sample payload", "[report_generate]") {
  const auto type = report_generate_type({});
  auto validator = jobforge::payload_validator::compile(type.schema);
  REQUIRE(validator);
  CHECK(validator->validate(type.sample_payload));
  CHECK(type.defaults.max_attempts == 3);
  CHECK(type.defaults.timeout_ms == 600'000);
  CHECK(type.max_timeout_ms == 86'400'000);
  for (const char* bad :
       {R"({})", R"({"path": ""})", R"({"path": "a", "format": "xml"})",
        R"({"path": "a", "top_lines": 1001})", R"({"path": "a", "top_lines": -1})",
        R"({"path": "a", "extra": 1})", R"({"path": 5})"}) {
    INFO(bad);
    test_context ctx;
    const auto r = run_handler_once(type, json::parse(bad), ctx);
    CHECK(r.error().code == "invalid_payload");
    CHECK(r.error().kind == error_kind::permanent);
  }
  // Called without the schema check, a malformed payload is still refused
  // with the field named, not thrown on.
  test_context ctx;
  const auto r = jobforge::invoke_handler(type.handler, ctx, json::parse(R"({"path": 5})"));
  CHECK(r.error().code == "invalid_payload");
  CHECK(r.error().message.find("`path`") != std::string::npos);
}

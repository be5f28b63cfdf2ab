// file.process on real files: gzip then gunzip round-trips a multi-megabyte
// file byte for byte, the test's own zlib agrees with the handler's output,
// corrupt input is refused with nothing left behind, and a stop mid-file
// leaves no partial output.

#include "file_job_support.hpp"
#include "handlers/file_types.hpp"
#include "model/payload_validator.hpp"
#include "support/gunzip.hpp"
#include "support/sha256.hpp"

#include <zlib.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>

namespace fs = std::filesystem;
namespace json = boost::json;
using jobforge::error_kind;
using jobforge::handler_result;
using jobforge::handlers::file_process_type;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;
using namespace jobforge::testing_support;

namespace {

// The test's own zlib calls, independent of the handler's streaming code:
// one-shot, whole buffers.
std::string gzip_all(const std::string& data, int level = 6) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}

handler_result run(const jobforge::job_type& type, const std::string& payload) {
  test_context ctx;
  return run_handler_once(type, json::parse(payload), ctx);
}

}  // namespace

TEST_CASE("file.process gzip then gunzip round-trips 8 MiB byte for byte", "[file_process]") {
  file_job_folders dirs;
  const auto original = seeded_text(8 * 1024 * 1024, 42);
  write_file(dirs.input / "data.txt", original);
  const auto type = file_process_type(dirs.settings(256 * 1024));

  test_context zip_ctx;
  const auto zipped =
      run_handler_once(type, json::parse(R"({"path": "data.txt", "operation": "gzip"})"), zip_ctx);
  REQUIRE(zipped.succeeded());
  REQUIRE(zipped.file());
  CHECK(zipped.file()->content_type == "application/gzip");
  const auto compressed = read_file(zipped.file()->path);
  // The test's own one-shot zlib decode agrees.
  REQUIRE(gunzip_all(compressed) == original);

  const auto& s = zipped.value().as_object();
  CHECK(s.at("operation") == "gzip");
  CHECK(s.at("level") == 6);
  CHECK(s.at("input_bytes").to_number<std::uint64_t>() == original.size());
  CHECK(s.at("output_bytes").to_number<std::uint64_t>() == compressed.size());
  CHECK(text_of(s.at("input_sha256")) == sha256_hex(original));
  CHECK(text_of(s.at("output_sha256")) == sha256_hex(compressed));
  CHECK(s.at("suggested_name") == "data.txt.gz");
  const double ratio = s.at("ratio").to_number<double>();
  CHECK(ratio == Approx(static_cast<double>(compressed.size()) / original.size()).margin(1e-4));
  CHECK(ratio < 0.75);  // 27 symbols of text: well under 6 bits a byte

  const auto& reports = zip_ctx.progress();
  REQUIRE(reports.size() <= 33);  // 32 chunks, one report each at most
  for (std::size_t i = 1; i < reports.size(); ++i)
    REQUIRE(reports[i].percent >= reports[i - 1].percent);
  CHECK(reports.back().percent == 100.0);
  CHECK(reports.front().stage == "compressing");
  CHECK(reports.back().message == "8.0 MiB of 8.0 MiB");

  // Back through the handler: the .gz goes into the input folder.
  fs::rename(zipped.file()->path, dirs.input / "data.txt.gz");
  test_context unzip_ctx;
  const auto unzipped = run_handler_once(
      type, json::parse(R"({"path": "data.txt.gz", "operation": "gunzip"})"), unzip_ctx);
  REQUIRE(unzipped.succeeded());
  CHECK(unzipped.file()->content_type == "application/octet-stream");
  REQUIRE(read_file(unzipped.file()->path) == original);
  CHECK(unzipped.value().at("suggested_name") == "data.txt");
  CHECK(text_of(unzipped.value().at("output_sha256")) == sha256_hex(original));
  CHECK(unzipped.value().at("input_bytes").to_number<std::uint64_t>() == compressed.size());
  CHECK_FALSE(unzipped.value().as_object().contains("level"));
  CHECK(unzip_ctx.progress().back().percent == 100.0);
  CHECK(unzip_ctx.progress().front().stage == "decompressing");
}

TEST_CASE("file.process gunzips what other gzip writers made", "[file_process]") {
  file_job_folders dirs;
  const auto type = file_process_type(dirs.settings(4096));
  SECTION("concatenated members decompress to the concatenated contents") {
    const auto a = seeded_text(100'000, 1), b = seeded_text(50'000, 2);
    write_file(dirs.input / "both.gz", gzip_all(a, 9) + gzip_all(b, 1));
    const auto r = run(type, R"({"path": "both.gz", "operation": "gunzip"})");
    REQUIRE(r.succeeded());
    CHECK(read_file(r.file()->path) == a + b);
  }
  SECTION("an empty file's gzip") {
    write_file(dirs.input / "empty.tgz", gzip_all(""));
    const auto r = run(type, R"({"path": "empty.tgz", "operation": "gunzip"})");
    REQUIRE(r.succeeded());
    CHECK(r.value().at("output_bytes") == 0);
    CHECK(r.value().at("suggested_name") == "empty.tar");
  }
}

TEST_CASE("file.process gzips at the requested level, and an empty file", "[file_process]") {
  file_job_folders dirs;
  const auto text = seeded_text(1024 * 1024, 5);
  write_file(dirs.input / "t.txt", text);
  const auto fast = run(file_process_type(dirs.settings()),
                        R"({"path": "t.txt", "operation": "gzip", "level": 1})");
  const auto best = run(file_process_type(dirs.settings()),
                        R"({"path": "t.txt", "operation": "gzip", "level": 9})");
  REQUIRE(fast.succeeded());
  REQUIRE(best.succeeded());
  CHECK(gunzip_all(read_file(fast.file()->path)) == text);
  CHECK(gunzip_all(read_file(best.file()->path)) == text);
  CHECK(best.value().at("output_bytes").to_number<std::uint64_t>() <
        fast.value().at("output_bytes").to_number<std::uint64_t>());

  write_file(dirs.input / "none", "");
  const auto empty =
      run(file_process_type(dirs.settings()), R"({"path": "none", "operation": "gzip"})");
  REQUIRE(empty.succeeded());
  CHECK(gunzip_all(read_file(empty.file()->path)).empty());
  CHECK(empty.value().at("ratio").is_null());
}

TEST_CASE("file.process refuses corrupt gzip input and leaves no output", "[file_process]") {
  file_job_folders dirs;
  const auto good = gzip_all(seeded_text(600'000, 9));
  const auto type = file_process_type(dirs.settings(4096));
  std::string bad;
  SECTION("damaged in the middle") {
    bad = good;
    for (std::size_t i = good.size() / 2; i < good.size() / 2 + 64; ++i)
      bad[i] = '\x55';
  }
  SECTION("cut short") {
    bad = good.substr(0, good.size() / 2);
  }
  SECTION("a damaged trailer (CRC)") {
    bad = good;
    bad[bad.size() - 6] = static_cast<char>(bad[bad.size() - 6] ^ 0x01);
  }
  SECTION("trailing garbage after the stream") {
    bad = good + "garbage!";
  }
  SECTION("not gzip at all") {
    bad = seeded_text(10'000, 4);
  }
  SECTION("empty") {
    bad.clear();
  }
  write_file(dirs.input / "bad.gz", bad);
  const auto r = run(type, R"({"path": "bad.gz", "operation": "gunzip"})");
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().code == "corrupt_input");
  CHECK(r.error().kind == error_kind::permanent);
  CHECK(dirs.work_files().empty());
}

TEST_CASE("file.process stops mid-file on request and leaves no output", "[file_process]") {
  file_job_folders dirs;
  write_file(dirs.input / "big.txt", seeded_text(4 * 1024 * 1024, 8));
  const auto type = file_process_type(dirs.settings(128 * 1024));
  test_context inner;
  stop_on_progress ctx(inner, 30.0);
  std::uintmax_t partial_bytes = 0;
  ctx.on_stop = [&] {
    const auto files = dirs.work_files();
    if (files.size() == 1) partial_bytes = fs::file_size(files[0]);
  };
  const auto r = jobforge::invoke_handler(
      type.handler, ctx, json::parse(R"({"path": "big.txt", "operation": "gzip"})"));
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().code == "interrupted");
  CHECK(r.error().kind == error_kind::transient);
  CHECK(inner.progress().back().percent < 40.0);
  CHECK(partial_bytes > 0);  // a partial output existed when the stop came
  CHECK(dirs.work_files().empty());
}

TEST_CASE("file.process caps its output", "[file_process]") {
  file_job_folders dirs;
  // 4 MiB of zeros compress to a few KiB: a small "bomb".
  write_file(dirs.input / "zeros.gz", gzip_all(std::string(4 * 1024 * 1024, '\0'), 9));
  auto settings = dirs.settings();
  settings.max_output_bytes = 1024 * 1024;
  const auto r = run(file_process_type(settings), R"({"path": "zeros.gz", "operation": "gunzip"})");
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().code == "output_too_large");
  CHECK(r.error().kind == error_kind::permanent);
  CHECK(dirs.work_files().empty());
}

TEST_CASE("file.process refuses paths outside the input folder", "[file_process]") {
  file_job_folders dirs;
  write_file(dirs.outside / "secret.txt", "secret\n");
  fs::create_symlink(dirs.outside / "secret.txt", dirs.input / "link.txt");
  const auto type = file_process_type(dirs.settings());
  for (const std::string& path :
       {std::string("../outside/secret.txt"), (dirs.outside / "secret.txt").string(),
        std::string("link.txt")}) {
    INFO(path);
    const auto r = run(type, json::serialize(json::object{{"path", path}, {"operation", "gzip"}}));
    CHECK(r.error().code == "path_not_allowed");
  }
  CHECK(run(type, R"({"path": "nope.txt", "operation": "gzip"})").error().code == "not_found");
  CHECK(run(type, R"({"path": ".", "operation": "gzip"})").error().code == "not_a_file");
  CHECK(dirs.work_files().empty());
}

TEST_CASE("file.process's schema and sample payload", "[file_process]") {
  const auto type = file_process_type({});
  auto validator = jobforge::payload_validator::compile(type.schema);
  REQUIRE(validator);
  CHECK(validator->validate(type.sample_payload));
  CHECK(validator->validate(json::parse(R"({"path": "a.gz", "operation": "gunzip"})")));
  CHECK(type.defaults.max_attempts == 3);
  CHECK(type.defaults.timeout_ms == 600'000);
  CHECK(type.max_timeout_ms == 86'400'000);
  for (const char* bad : {R"({"path": "a"})", R"({"path": "a", "operation": "zip"})",
                          R"({"path": "a", "operation": "gzip", "level": 0})",
                          R"({"path": "a", "operation": "gzip", "level": 10})",
                          R"({"path": "a", "operation": "gunzip", "level": 5})",
                          R"({"path": "a", "operation": "gzip", "extra": true})"}) {
    INFO(bad);
    const auto r = run(type, bad);
    CHECK(r.error().code == "invalid_payload");
  }
  test_context ctx;
  const auto r = jobforge::invoke_handler(
      type.handler, ctx, json::parse(R"({"path": "a", "operation": "gunzip", "level": 5})"));
  CHECK(r.error().code == "invalid_payload");
  CHECK(r.error().message.find("`level`") != std::string::npos);
}

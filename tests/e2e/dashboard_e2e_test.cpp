// The dashboard as the real binary serves it: its files compiled in (each
// byte for byte the one in web/), their content types, the CSP and caching
// headers, paths that must not escape web/, Chart.js from Debian, the
// --web-root folder read at every request, and GET /api/whoami.

#include "served_jobforge.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace json = boost::json;
namespace fs = std::filesystem;
using e2e::served_jobforge;
using namespace std::chrono_literals;

namespace {

const fs::path web_dir = fs::path(JOBFORGE_SOURCE_DIR) / "web";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

httplib::Result get_with(served_jobforge& jf, const std::string& path,
                         const httplib::Headers& headers) {
  httplib::Client c("127.0.0.1", jf.port());
  c.set_read_timeout(10s);
  return c.Get(path.c_str(), headers);
}

std::string error_code_of(const httplib::Result& r) {
  boost::json::error_code ec;
  auto body = json::parse(r->body, ec);
  if (ec || !body.is_object() || !body.as_object().contains("error")) return "";
  return std::string(body.at("error").at("code").as_string());
}

}  // namespace

TEST_CASE("GET / and /ui/: the compiled-in dashboard with its types, CSP and ETags",
          "[dashboard]") {
  served_jobforge jf;
  auto page = jf.get_raw("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body == read_file(web_dir / "index.html"));
  const auto csp = page->get_header_value("Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("style-src 'self';") != std::string::npos);
  CHECK(csp.find("unsafe") == std::string::npos);
  CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(page->get_header_value("Cache-Control") == "no-cache");

  // Revalidation: the same ETag gets 304 without a body; another gets the page.
  const auto etag = page->get_header_value("ETag");
  REQUIRE(etag.size() > 2);
  auto again = get_with(jf, "/", {{"If-None-Match", etag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());
  auto other = get_with(jf, "/", {{"If-None-Match", "\"something-else\""}});
  REQUIRE(other);
  CHECK(other->status == 200);

  // Every file of web/ that the server serves is there, byte for byte.
  const std::map<std::string, std::string> types{{".html", "text/html; charset=utf-8"},
                                                 {".mjs", "text/javascript; charset=utf-8"},
                                                 {".css", "text/css; charset=utf-8"},
                                                 {".svg", "image/svg+xml"}};
  int served = 0;
  for (const auto& entry : fs::recursive_directory_iterator(web_dir)) {
    const auto type = types.find(entry.path().extension().string());
    if (!entry.is_regular_file() || type == types.end()) continue;
    const auto relative = fs::relative(entry.path(), web_dir).generic_string();
    auto r = jf.get_raw("/ui/" + relative);
    INFO(relative);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == type->second);
    CHECK(r->body == read_file(entry.path()));
    CHECK(!r->get_header_value("Content-Security-Policy").empty());
    ++served;
  }
  CHECK(served >= 10);
}

TEST_CASE("/ui/ paths outside the dashboard, hidden or of unknown kinds are 404", "[dashboard]") {
  served_jobforge jf;
  for (const char* path : {"/ui/no-such-file.mjs", "/ui/../CMakeLists.txt",
                           "/ui/%2e%2e/CMakeLists.txt", "/ui/pages/../../README.md", "/ui/.hidden",
                           "/ui/package.json", "/ui//app.mjs", "/ui/lib/", "/ui/vendor/other.js"}) {
    INFO(path);
    auto r = jf.get_raw(path);
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->body.find("cmake_minimum_required") == std::string::npos);
  }
  auto missing = jf.get_raw("/ui/no-such-file.mjs");
  CHECK(error_code_of(missing) == "not_found");
  CHECK(missing->body.find("/ui/no-such-file.mjs") != std::string::npos);
}

TEST_CASE("GET /ui/vendor/chart.min.js is Debian's Chart.js 3", "[dashboard]") {
  served_jobforge jf;
  auto r = jf.get_raw("/ui/vendor/chart.min.js");
  REQUIRE(r);
  INFO("is libjs-chart.js installed? (scripts/setup.sh installs it)");
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(r->body.rfind("/*!\n * Chart.js v3.", 0) == 0);
  CHECK(r->body == read_file("/usr/share/javascript/chart.js/chart.min.js"));
  CHECK(r->get_header_value("Cache-Control") == "no-cache");
}

TEST_CASE("serve --web-root: the folder is read at every request, never cached, kept closed",
          "[dashboard]") {
  jobforge::testing_support::temp_dir dir;
  const auto root = dir.path() / "web";
  fs::create_directories(root / "lib");
  std::ofstream(root / "index.html") << "<!doctype html><title>one</title>";
  std::ofstream(root / "lib" / "a.mjs") << "export const a = 1;";
  std::ofstream(dir.path() / "secret.mjs") << "export const secret = 1;";
  fs::create_symlink(dir.path() / "secret.mjs", root / "lib" / "leak.mjs");

  served_jobforge jf({"--web-root", root.string()});
  auto first = jf.get_raw("/");
  REQUIRE(first);
  CHECK(first->body == "<!doctype html><title>one</title>");
  CHECK(first->get_header_value("Cache-Control") == "no-store");
  std::ofstream(root / "index.html") << "<!doctype html><title>two</title>";
  CHECK(jf.get_raw("/")->body == "<!doctype html><title>two</title>");
  CHECK(jf.get_raw("/ui/lib/a.mjs")->body == "export const a = 1;");
  // A link that leads out of the folder is not followed.
  CHECK(jf.get_raw("/ui/lib/leak.mjs")->status == 404);
  // The compiled-in files are not mixed in.
  CHECK(jf.get_raw("/ui/app.mjs")->status == 404);
  CHECK(jf.process().log().find("dashboard: files from") != std::string::npos);
}

TEST_CASE("serve --web-root naming a folder without index.html does not start", "[dashboard]") {
  jobforge::testing_support::temp_dir dir;
  e2e::child_process p({JOBFORGE_BINARY, "serve", "--port", "0", "--data-dir", dir.file("data"),
                        "--web-root", dir.file("nowhere")});
  CHECK(e2e::run_to_end(p) == 2);
  CHECK(p.log().find("--web-root " + dir.file("nowhere") +
                     ": not a folder holding the dashboard's index.html") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("data")));
}

TEST_CASE("GET /api/whoami: the tenant and role of the caller's key", "[dashboard][auth]") {
  SECTION("loopback mode: admin of tenant default, no key required") {
    served_jobforge jf;
    auto r = jf.get("/api/whoami");
    CHECK(r.status == 200);
    CHECK(r.body ==
          json::parse(
              R"({"tenant":"default","role":"admin","actor":"loopback","key_required":false})"));
    CHECK(jf.get("/api/whoami?x=1").status == 400);
  }
  SECTION("with keys: each key's own tenant and role; no key is 401") {
    jobforge::testing_support::temp_dir dir;
    const auto config = dir.file("jobforge.json");
    std::ofstream(config) << R"({"store": "memory", "api_keys": [
      {"key": "acme-viewer-key-0123456789", "tenant": "acme", "role": "viewer"},
      {"key": "globex-operator-key-0123456789", "tenant": "globex", "role": "operator",
       "name": "grace"}]})";
    served_jobforge jf({"--config", config});
    auto viewer =
        get_with(jf, "/api/whoami", {{"Authorization", "Bearer acme-viewer-key-0123456789"}});
    REQUIRE(viewer);
    CHECK(viewer->status == 200);
    CHECK(json::parse(viewer->body) ==
          json::parse(
              R"({"tenant":"acme","role":"viewer","actor":"acme/viewer","key_required":true})"));
    auto op =
        get_with(jf, "/api/whoami", {{"Authorization", "Bearer globex-operator-key-0123456789"}});
    REQUIRE(op);
    CHECK(json::parse(op->body) ==
          json::parse(
              R"({"tenant":"globex","role":"operator","actor":"grace","key_required":true})"));
    auto none = jf.get_raw("/api/whoami");
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(error_code_of(none) == "unauthenticated");
    auto wrong =
        get_with(jf, "/api/whoami", {{"Authorization", "Bearer not-a-key-of-this-server"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    // The dashboard itself needs no key: it holds no data.
    CHECK(jf.get_raw("/")->status == 200);
    CHECK(jf.get_raw("/ui/app.mjs")->status == 200);
  }
}

// The dashboard: GET / (its page), GET /ui/... (its scripts, styles and
// icon) and GET /ui/vendor/chart.min.js (Chart.js from Debian). These hold
// no data, so they need no key; the page calls the /api routes with the
// user's. Every answer forbids inline script and style (CSP) and is
// revalidated by its ETag.

#include "http/error_response.hpp"
#include "http/routes.hpp"
#include "http/web_files.hpp"

#include <boost/json/object.hpp>

namespace jobforge::http {
namespace {

constexpr const char* content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether an If-None-Match header ("a", "b" or *) names `etag`.
bool matches_etag(const std::string& header, const std::string& etag) {
  std::size_t start = 0;
  while (start < header.size()) {
    auto comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    auto item = header.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == "*" || item == etag || item == "W/" + etag) return true;
    start = comma + 1;
  }
  return false;
}

void send_file(const web_file& file, bool changes, const request& req, response& res) {
  res.set_header("Content-Security-Policy", content_security_policy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  // The URLs carry no version, so the browser asks every time and mostly
  // gets a 304; files read from a folder while developing are never kept.
  res.set_header("Cache-Control", changes ? "no-store" : "no-cache");
  res.set_header("ETag", file.etag);
  if (!changes && req.has_header("If-None-Match") &&
      matches_etag(req.get_header_value("If-None-Match"), file.etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(file.body, std::string(file.content_type));
}

void send_missing(const std::string& path, response& res) {
  send_error(res, error{error_code::not_found, "the dashboard has no file /ui/" + path,
                        boost::json::object{{"path", "/ui/" + path}}});
}

}  // namespace

void add_web_routes(httplib::Server& server, std::shared_ptr<const web_files> files,
                    std::string chart_js) {
  server.Get("/", guarded("dashboard", [files](const request& req, response& res) {
               auto page = files->find("index.html");
               if (!page) return send_missing("index.html", res);
               send_file(*page, files->from_folder(), req, res);
             }));
  server.Get("/ui/vendor/chart.min.js",
             guarded("chart.js", [chart_js](const request& req, response& res) {
               auto file = read_web_file(chart_js);
               if (!file)
                 return send_error(res, error{error_code::not_found,
                                              "Chart.js is not installed at " + chart_js +
                                                  " (Debian package libjs-chart.js)",
                                              boost::json::object{{"path", chart_js}}});
               send_file(*file, false, req, res);
             }));
  server.Get(R"(/ui/(.+))", guarded("dashboard file", [files](const request& req, response& res) {
               const auto path = req.matches[1].str();
               auto file = files->find(path);
               if (!file) return send_missing(path, res);
               send_file(*file, files->from_folder(), req, res);
             }));
}

}  // namespace jobforge::http

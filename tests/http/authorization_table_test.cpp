// Authorization (issue 22), in process: every route × every kind of
// caller. Keys of each role in tenant "acme", a submitter and an admin in
// "globex"; the fixtures (jobs, schedules) belong to acme. Each cell must be
//   401 + WWW-Authenticate + envelope  without a valid key (none, a wrong
//                                      one, a malformed header);
//   403 forbidden                      when the role is below the route's least;
//   404 not_found                      for acme's job or schedule asked by
//                                      globex's non-admin (never 403, never 2xx);
//   2xx                                otherwise, and a list by globex's
//                                      non-admin does not show acme's item.
// Admins act on every tenant (caller::sees_every_tenant). Every cell with a
// valid key gets fresh fixtures, so a cell that cancels or replays changes
// nothing another cell sees.
#include "../support/demo_registry.hpp"
#include "http/access.hpp"
#include "http/http_server.hpp"
#include "runtime/runtime.hpp"

#include <httplib.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;
namespace json = boost::json;
using http::role;

namespace {

struct key_holder {
  const char* label;
  const char* secret;
  const char* tenant;
  role level;
};

const std::vector<key_holder> keys = {
    {"acme viewer", "acme-viewer-key-00000001", "acme", role::viewer},
    {"acme submitter", "acme-submitter-key-0002", "acme", role::submitter},
    {"acme operator", "acme-operator-key-00003", "acme", role::operator_},
    {"acme admin", "acme-admin-key-000000004", "acme", role::admin},
    {"globex submitter", "globex-submitter-key-05", "globex", role::submitter},
    {"globex admin", "globex-admin-key-0000006", "globex", role::admin},
};

/// Authorization headers that authenticate no one (nullopt: none sent).
const std::vector<std::optional<std::string>> not_keys = {
    std::nullopt,
    "Bearer not-a-configured-key-at-all",
    "Bearer acme-admin-key-000000005",   // a near miss: the last byte differs
    "Bearer acme-admin-key-00000000",    // a prefix of a key
    "Bearer acme-admin-key-0000000045",  // a key with a byte more
    "Basic x",
    "Bearer",
    "Bearer ",
    "Token acme-admin-key-000000004",  // a valid key, the wrong scheme
    "acme-admin-key-000000004",        // a valid key, no scheme
};

/// What a cell needs before it runs; its id (or name) fills {id} in the
/// path and body, its parent {parent}, another waiting job {other}.
enum class needs { nothing, waiting, failed, done, blocked, schedule };

/// How the answer to an allowed caller depends on the tenant.
enum class scope {
  shared,  ///< the same for every tenant (types, nodes, stats, submissions)
  item,    ///< names acme's job or schedule: 404 for globex's non-admin
  per_id,  ///< a batch of ids: 200, each other-tenant id a not_found result
  list,    ///< a list: globex's non-admin must not see acme's item
};

struct route_row {
  const char* method;
  const char* path;
  const char* body;  ///< nullptr: none
  role least;        ///< the least role the route (or its action) needs
  needs fixture;
  scope tenancy;
};

// Every route registered through route() in src/http/*_routes.cpp.
const std::vector<route_row> routes = {
    {"POST", "/api/jobs", R"({"type": "noop", "run_in_ms": 3600000})", role::submitter,
     needs::nothing, scope::shared},
    {"GET", "/api/jobs", nullptr, role::viewer, needs::waiting, scope::list},
    {"GET", "/api/jobs/{id}", nullptr, role::viewer, needs::waiting, scope::item},
    {"POST", "/api/jobs/{id}/cancel", nullptr, role::submitter, needs::waiting, scope::item},
    {"DELETE", "/api/jobs/{id}", nullptr, role::submitter, needs::waiting, scope::item},
    {"POST", "/api/jobs/batch",
     R"({"jobs": [{"name": "a", "type": "noop", "run_in_ms": 3600000}]})", role::submitter,
     needs::nothing, scope::shared},
    {"POST", "/api/jobs/bulk", R"({"action": "cancel", "ids": ["{id}"]})", role::submitter,
     needs::waiting, scope::per_id},
    {"POST", "/api/jobs/bulk", R"({"action": "priority", "priority": "high", "ids": ["{id}"]})",
     role::operator_, needs::waiting, scope::per_id},
    {"POST", "/api/jobs/bulk", R"({"action": "retry", "ids": ["{id}"]})", role::admin,
     needs::failed, scope::per_id},
    {"POST", "/api/jobs/{id}/priority", R"({"priority": "high"})", role::operator_, needs::waiting,
     scope::item},
    {"GET", "/api/jobs/{id}/logs", nullptr, role::viewer, needs::done, scope::item},
    {"GET", "/api/jobs/{id}/graph", nullptr, role::viewer, needs::blocked, scope::item},
    {"GET", "/api/jobs/{id}/progress", nullptr, role::viewer, needs::waiting, scope::item},
    {"GET", "/api/jobs/{id}/history", nullptr, role::viewer, needs::waiting, scope::item},
    {"POST", "/api/jobs/{id}/retry", nullptr, role::admin, needs::failed, scope::item},
    {"GET", "/api/jobs/{id}/result", nullptr, role::viewer, needs::done, scope::item},
    {"GET", "/api/jobs/{id}/result/download", nullptr, role::viewer, needs::done, scope::item},
    {"GET", "/api/jobs/{id}/dependencies", nullptr, role::viewer, needs::blocked, scope::item},
    {"POST", "/api/jobs/{id}/dependencies", R"({"depends_on": ["{other}"]})", role::submitter,
     needs::blocked, scope::item},
    {"DELETE", "/api/jobs/{id}/dependencies/{parent}", nullptr, role::submitter, needs::blocked,
     scope::item},
    {"GET", "/api/jobs/{parent}/dependents", nullptr, role::viewer, needs::blocked, scope::item},
    {"GET", "/api/dead-letter", nullptr, role::viewer, needs::failed, scope::list},
    {"GET", "/api/dead-letter/summary", nullptr, role::viewer, needs::failed, scope::shared},
    {"POST", "/api/dead-letter/replay", R"({"ids": ["{id}"]})", role::operator_, needs::failed,
     scope::per_id},
    {"POST", "/api/dead-letter/discard", R"({"ids": ["{id}"]})", role::operator_, needs::failed,
     scope::per_id},
    {"POST", "/api/dead-letter/{id}/replay", nullptr, role::operator_, needs::failed, scope::item},
    {"POST", "/api/dead-letter/{id}/discard", nullptr, role::operator_, needs::failed, scope::item},
    {"GET", "/api/schedules", nullptr, role::viewer, needs::schedule, scope::list},
    {"POST", "/api/schedules",
     R"({"name": "made-{n}", "cron": "0 3 * * *", "job": {"type": "noop"}})", role::operator_,
     needs::nothing, scope::shared},
    {"GET", "/api/schedules/{id}", nullptr, role::viewer, needs::schedule, scope::item},
    {"DELETE", "/api/schedules/{id}", nullptr, role::operator_, needs::schedule, scope::item},
    {"POST", "/api/schedules/{id}/pause", nullptr, role::operator_, needs::schedule, scope::item},
    {"POST", "/api/schedules/{id}/resume", nullptr, role::operator_, needs::schedule, scope::item},
    {"POST", "/api/schedules/{id}/trigger", nullptr, role::operator_, needs::schedule, scope::item},
    {"GET", "/api/job-types", nullptr, role::viewer, needs::nothing, scope::shared},
    {"GET", "/api/job-types/noop", nullptr, role::viewer, needs::nothing, scope::shared},
    {"POST", "/api/job-types/echo/pause", nullptr, role::admin, needs::nothing, scope::shared},
    {"POST", "/api/job-types/echo/resume", nullptr, role::admin, needs::nothing, scope::shared},
    {"GET", "/api/events", nullptr, role::viewer, needs::nothing, scope::shared},
    {"GET", "/api/events?stats=true", nullptr, role::admin, needs::nothing, scope::shared},
    {"GET", "/api/stats", nullptr, role::admin, needs::nothing, scope::shared},
    {"GET", "/api/stats/series", nullptr, role::admin, needs::nothing, scope::shared},
    {"GET", "/metrics", nullptr, role::admin, needs::nothing, scope::shared},
    {"GET", "/api/cluster/nodes", nullptr, role::viewer, needs::nothing, scope::shared},
    {"GET", "/api/whoami", nullptr, role::viewer, needs::nothing, scope::shared},
};

http_server_options keyed() {
  http_server_options o;
  o.threads = 8;
  o.sse_keep_alive = 100ms;  // a left event stream frees its thread soon
  for (const auto& k : keys)
    o.api_keys.push_back({k.secret, k.tenant, k.level, k.label});
  return o;
}

struct answer {
  int status = 0;
  httplib::Headers headers;
  std::string body;
};

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

struct fixture_ids {
  std::string id, parent, other;
};

/// A row's path and body with the fixture's ids (and a fresh schedule number
/// from `counter`) put in for the placeholders.
std::pair<std::string, std::string> filled(const char* path_text, const char* body_text,
                                           const fixture_ids& f, int& counter) {
  std::string path = path_text, body = body_text ? body_text : "";
  for (auto* text : {&path, &body}) {
    replace_all(*text, "{id}", f.id);
    replace_all(*text, "{parent}", f.parent);
    replace_all(*text, "{other}", f.other);
    replace_all(*text, "{n}", std::to_string(++counter));
  }
  return {path, body};
}

struct keyed_server {
  keyed_server() : rt(test::demo_registry()), server(rt, keyed()) {
    auto started = server.start();
    REQUIRE(started.has_value());
    port = *started;
  }

  answer call(const std::string& method, const std::string& path, const char* body,
              const std::optional<std::string>& authorization) const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5s);
    c.set_read_timeout(10s);
    httplib::Headers headers;
    if (authorization) headers.emplace("Authorization", *authorization);
    if (method == "GET") {
      // An event stream never ends: stop reading once its 200 arrives.
      answer out;
      auto r = c.Get(
          path, headers,
          [&](const httplib::Response& head) {
            out.status = head.status;
            out.headers = head.headers;
            return !(head.status == 200 && path.rfind("/api/events", 0) == 0);
          },
          [&](const char* data, std::size_t n) {
            out.body.append(data, n);
            return true;
          });
      if (!r) REQUIRE(r.error() == httplib::Error::Canceled);
      return out;
    }
    const std::string text = body ? body : "";
    auto r = method == "POST" ? c.Post(path, headers, text, "application/json")
                              : c.Delete(path, headers, text, "application/json");
    REQUIRE(r);
    return {r->status, r->headers, r->body};
  }

  std::string bearer(const char* label) const {
    for (const auto& k : keys)
      if (std::string(k.label) == label) return std::string("Bearer ") + k.secret;
    FAIL("no key " << label);
    return "";
  }

  std::string submit(const std::string& body) {
    auto a = call("POST", "/api/jobs", body.c_str(), bearer("acme submitter"));
    INFO(a.body);
    REQUIRE(a.status / 100 == 2);
    return std::string(json::parse(a.body).at("id").as_string());
  }

  fixture_ids make(needs what) {
    fixture_ids f;
    const std::string later = R"({"type": "noop", "run_in_ms": 3600000})";
    switch (what) {
      case needs::nothing:
        break;
      case needs::waiting:
        f.id = submit(later);
        break;
      case needs::failed:
      case needs::done:
        f.id = submit(what == needs::done
                          ? R"({"type": "noop"})"
                          : R"({"type": "fail", "payload": {"times": 9}, "max_attempts": 1})");
        (void)rt.wait(*job_id::parse(f.id), 10s);  // a failed job's wait answers job_failed
        REQUIRE(rt.get(*job_id::parse(f.id))->status ==
                (what == needs::done ? job_status::completed : job_status::failed));
        break;
      case needs::blocked:
        f.parent = submit(later);
        f.other = submit(later);
        f.id = submit(R"({"type": "noop", "depends_on": [")" + f.parent + R"("]})");
        break;
      case needs::schedule: {
        f.id = "s" + std::to_string(++schedules);
        const auto body =
            R"({"name": ")" + f.id + R"(", "cron": "0 3 * * *", "job": {"type": "noop"}})";
        auto a = call("POST", "/api/schedules", body.c_str(), bearer("acme operator"));
        INFO(a.body);
        REQUIRE(a.status == 201);
        break;
      }
    }
    return f;
  }

  runtime rt;
  http_server server;
  int port = 0;
  int schedules = 0;
};

json::value parsed(const answer& a) {
  INFO(a.body);
  boost::system::error_code ec;
  auto v = json::parse(a.body, ec);
  REQUIRE_FALSE(ec);
  return v;
}

std::string error_code_of(const answer& a) {
  auto v = parsed(a);
  REQUIRE(v.is_object());
  return std::string(v.at("error").at("code").as_string());
}

/// Whether a list answer holds an item whose id (or name) is `id`.
bool lists(const answer& a, const std::string& id) {
  const auto list = parsed(a);  // kept: the loop reads into it
  for (const auto& item : list.at("items").as_array()) {
    const auto& o = item.as_object();
    for (const char* field : {"id", "name"})
      if (const auto* v = o.if_contains(field); v && v->is_string() && v->get_string() == id)
        return true;
  }
  return false;
}

}  // namespace

TEST_CASE("every route × every caller: 401, 403, 404 for another tenant, or allowed",
          "[http][auth][authorization_table]") {
  keyed_server s;
  for (const auto& row : routes) {
    // Without a valid key: 401 whatever else is wrong, and nothing exists.
    const auto shared = s.make(row.fixture);
    for (const auto& header : not_keys) {
      const auto [path, body] = filled(row.path, row.body, shared, s.schedules);
      INFO(row.method << " " << path << " with Authorization: " << header.value_or("(none)"));
      const auto a = s.call(row.method, path, row.body ? body.c_str() : nullptr, header);
      CHECK(a.status == 401);
      CHECK(error_code_of(a) == "unauthenticated");
      const auto challenge = a.headers.find("WWW-Authenticate");
      REQUIRE(challenge != a.headers.end());
      CHECK(challenge->second == R"(Bearer realm="jobforge")");
    }

    for (const auto& k : keys) {
      const auto f = s.make(row.fixture);  // fresh: an allowed cell may change it
      const auto [path, body] = filled(row.path, row.body, f, s.schedules);
      INFO(row.method << " " << path << " by " << k.label);
      const auto a = s.call(row.method, path, row.body ? body.c_str() : nullptr, s.bearer(k.label));
      INFO("answer " << a.status << " " << a.body.substr(0, 400));
      const bool sees_acme = std::string(k.tenant) == "acme" || k.level == role::admin;
      CHECK(a.headers.count("WWW-Authenticate") == 0);
      if (k.level < row.least) {
        CHECK(a.status == 403);
        CHECK(error_code_of(a) == "forbidden");
      } else if (row.tenancy == scope::item && !sees_acme) {
        CHECK(a.status == 404);
        CHECK(error_code_of(a) == "not_found");
      } else {
        CHECK(a.status / 100 == 2);
        if (row.tenancy == scope::list) CHECK(lists(a, f.id) == sees_acme);
        if (row.tenancy == scope::per_id) {
          const auto whole = parsed(a);
          const auto& result = whole.at("results").at(0).as_object();
          CHECK(result.at("id") == json::value(f.id));
          if (sees_acme)
            CHECK(result.contains("job"));
          else
            CHECK(result.at("error").at("code") == "not_found");
        }
      }
    }
  }
}

TEST_CASE("a tenant's list never shows another tenant's jobs, an admin's shows both",
          "[http][auth][authorization_table]") {
  keyed_server s;
  const auto acme = s.submit(R"({"type": "noop", "run_in_ms": 3600000})");
  auto made = s.call("POST", "/api/jobs", R"({"type": "noop", "run_in_ms": 3600000})",
                     s.bearer("globex submitter"));
  REQUIRE(made.status == 201);
  const auto globex = std::string(parsed(made).at("id").as_string());
  for (const auto& k : keys) {
    INFO(k.label);
    const auto a = s.call("GET", "/api/jobs", nullptr, s.bearer(k.label));
    REQUIRE(a.status == 200);
    const bool admin = k.level == role::admin;
    CHECK(lists(a, acme) == (admin || std::string(k.tenant) == "acme"));
    CHECK(lists(a, globex) == (admin || std::string(k.tenant) == "globex"));
    // Asking for the other tenant by name is refused, not answered empty.
    const auto other = std::string(k.tenant) == "acme" ? "globex" : "acme";
    const auto asked =
        s.call("GET", std::string("/api/jobs?tenant=") + other, nullptr, s.bearer(k.label));
    CHECK(asked.status == (admin ? 200 : 403));
  }
}

TEST_CASE("the routes outside route() need no key: health, readiness, the OpenAPI document",
          "[http][auth][authorization_table]") {
  keyed_server s;
  for (const char* path : {"/health", "/ready", "/openapi.json"})
    for (const auto& header :
         {std::optional<std::string>{}, std::optional<std::string>{"Basic x"}}) {
      INFO(path << " with Authorization: " << header.value_or("(none)"));
      const auto a = s.call("GET", path, nullptr, header);
      CHECK(a.status == 200);
      CHECK(a.headers.count("WWW-Authenticate") == 0);
    }
}

// Authentication, roles and tenancy of the real binary: API keys for every
// role in two tenants, and the whole matrix of routes x roles x own/other
// tenant walked over HTTP. A missing or unknown key is 401, a role too low
// 403, another tenant's job 404 exactly like an unknown one.

#include "keyed_server.hpp"

#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace json = boost::json;
using e2e::reply;
using e2e::served_jobforge;
using namespace std::chrono_literals;
using e2e::answer;
using e2e::key_of;
using e2e::keyed_server;
using e2e::name_of;
using e2e::role;
using e2e::roles;

namespace {

std::string id_of(const json::object& job) {
  return std::string(job.at("id").as_string());
}

/// The jobs every by-id route of the matrix acts on, all of one tenant:
/// a completed job, a failed one, a job scheduled an hour ahead (`parent`),
/// a job blocked on it (`blocked`) and another scheduled one (`other`).
std::map<std::string, std::string> make_fixture(keyed_server& s, const std::string& tenant) {
  std::map<std::string, std::string> ids;
  auto completed = s.submit_for(tenant, {{"type", "echo"}, {"payload", {{"n", 1}}}}, "?wait=10");
  REQUIRE(completed.at("status") == "completed");
  ids["completed"] = id_of(completed);
  auto failed = s.submit_for(
      tenant, {{"type", "fail"}, {"payload", {{"times", 1000}, {"kind", "permanent"}}}},
      "?wait=10");
  REQUIRE(failed.at("status") == "failed");
  ids["failed"] = id_of(failed);
  const json::object later{{"type", "echo"}, {"payload", json::object{}}, {"run_in_ms", 3'600'000}};
  ids["parent"] = id_of(s.submit_for(tenant, later));
  ids["other"] = id_of(s.submit_for(tenant, later));
  ids["blocked"] = id_of(s.submit_for(
      tenant, {{"type", "echo"}, {"payload", json::object{}}, {"depends_on", {ids["parent"]}}}));
  return ids;
}

std::string filled(std::string text, const std::map<std::string, std::string>& ids) {
  for (const auto& [name, id] : ids) {
    const std::string slot = "{" + name + "}";
    for (auto at = text.find(slot); at != std::string::npos; at = text.find(slot))
      text.replace(at, slot.size(), id);
  }
  return text;
}

/// One route of the API as the matrix walks it.
struct route_case {
  std::string method;
  std::string path;  ///< {completed}, {failed}, {parent}, {blocked}, {other}: fixture ids
  std::string body;
  role minimum;
  /// by_id: names one job (another tenant's is 404); batch: names jobs in
  /// its body (another tenant's fail as not_found inside a 200); global: neither.
  enum class scope { global, by_id, batch } kind;
  bool stream = false;  ///< an event stream: only its headers are read
};

using scope = route_case::scope;

const std::vector<route_case>& all_routes() {
  static const std::vector<route_case> table{
      {"POST", "/api/jobs", R"({"type": "echo", "payload": {}})", role::submitter, scope::global},
      {"POST", "/api/jobs/batch", R"({"jobs": [{"type": "echo", "payload": {}}]})", role::submitter,
       scope::global},
      {"GET", "/api/jobs", "", role::viewer, scope::global},
      {"GET", "/api/jobs/{completed}", "", role::viewer, scope::by_id},
      {"POST", "/api/jobs/{blocked}/cancel", "", role::submitter, scope::by_id},
      {"DELETE", "/api/jobs/{blocked}", "", role::submitter, scope::by_id},
      {"GET", "/api/jobs/{completed}/progress", "", role::viewer, scope::by_id},
      {"GET", "/api/jobs/{completed}/history", "", role::viewer, scope::by_id},
      {"GET", "/api/jobs/{completed}/result", "", role::viewer, scope::by_id},
      {"GET", "/api/jobs/{completed}/result/download", "", role::viewer, scope::by_id},
      {"GET", "/api/jobs/{blocked}/dependencies", "", role::viewer, scope::by_id},
      {"POST", "/api/jobs/{blocked}/dependencies", R"({"depends_on": ["{other}"]})",
       role::submitter, scope::by_id},
      {"DELETE", "/api/jobs/{blocked}/dependencies/{parent}", "", role::submitter, scope::by_id},
      {"GET", "/api/jobs/{parent}/dependents", "", role::viewer, scope::by_id},
      {"POST", "/api/jobs/{failed}/retry", "", role::admin, scope::by_id},
      {"POST", "/api/jobs/{other}/priority", R"({"priority": "high"})", role::operator_,
       scope::by_id},
      {"GET", "/api/jobs/{failed}/logs", "", role::viewer, scope::by_id},
      {"GET", "/api/jobs/{blocked}/graph", "", role::viewer, scope::by_id},
      {"POST", "/api/jobs/bulk", R"({"action": "cancel", "ids": ["{other}"]})", role::submitter,
       scope::batch},
      {"POST", "/api/jobs/bulk", R"({"action": "priority", "ids": ["{other}"], "priority": "low"})",
       role::operator_, scope::batch},
      {"POST", "/api/jobs/bulk", R"({"action": "retry", "ids": ["{failed}"]})", role::admin,
       scope::batch},
      {"GET", "/api/dead-letter", "", role::viewer, scope::global},
      {"GET", "/api/dead-letter/summary", "", role::viewer, scope::global},
      {"POST", "/api/dead-letter/{failed}/replay", "", role::operator_, scope::by_id},
      {"POST", "/api/dead-letter/{failed}/discard", "", role::operator_, scope::by_id},
      {"POST", "/api/dead-letter/replay", R"({"ids": ["{failed}"]})", role::operator_,
       scope::batch},
      {"POST", "/api/dead-letter/discard", R"({"ids": ["{failed}"]})", role::operator_,
       scope::batch},
      {"GET", "/api/job-types", "", role::viewer, scope::global},
      {"GET", "/api/job-types/echo", "", role::viewer, scope::global},
      {"POST", "/api/job-types/noop/pause", "", role::admin, scope::global},
      {"POST", "/api/job-types/noop/resume", "", role::admin, scope::global},
      {"GET", "/api/events", "", role::viewer, scope::global, true},
      {"GET", "/api/events?job_id={completed},{failed}", "", role::viewer, scope::global, true},
      {"GET", "/api/events?stats=true", "", role::admin, scope::global, true},
      {"GET", "/api/stats/series", "", role::admin, scope::global},
      {"GET", "/api/whoami", "", role::viewer, scope::global},
  };
  return table;
}

/// A request the route carried out: not refused, and no server error.
void check_allowed(const route_case& rc, const answer& a, const std::string& tenant) {
  INFO(rc.method << " " << rc.path << " on " << tenant << " answered " << a.status << ": "
                 << json::serialize(a.body));
  CHECK(a.status != 401);
  CHECK(a.status != 403);
  CHECK(a.status != 404);
  CHECK(a.status < 500);
  if (rc.kind == scope::batch) CHECK(a.body.at("succeeded") == 1);
}

}  // namespace

TEST_CASE("every route: no key and unknown keys are 401, low roles 403, other tenants 404",
          "[auth]") {
  keyed_server s;
  const auto acme = make_fixture(s, "acme");
  const auto globex = make_fixture(s, "globex");

  for (const auto& rc : all_routes()) {
    const auto path = filled(rc.path, acme);
    const auto body = filled(rc.body, acme);
    INFO(rc.method << " " << rc.path);
    const auto refused = [&](const std::optional<std::string>& header) {
      if (rc.stream) return s.stream_status(path, header);
      auto a = s.send(rc.method, path, body, header);
      if (a.status == 401) {
        CHECK(a.error_code() == "unauthenticated");
        CHECK(a.headers.count("WWW-Authenticate") == 1);
        const auto challenge = a.headers.find("WWW-Authenticate")->second;
        CHECK(challenge.rfind("Bearer", 0) == 0);
      }
      return a.status;
    };

    // Who the key is never matters before the key is known.
    CHECK(refused(std::nullopt) == 401);
    CHECK(refused("Bearer not-a-configured-key-at-all") == 401);
    CHECK(refused("Basic " + key_of("acme", role::admin)) == 401);
    CHECK(refused("Bearer") == 401);

    // Every role below the route's minimum, in either tenant, is 403.
    for (auto r : roles) {
      if (r >= rc.minimum) continue;
      INFO("role " << name_of(r));
      for (const char* tenant : {"acme", "globex"}) {
        if (rc.stream) {
          CHECK(s.stream_status(path, "Bearer " + key_of(tenant, r)) == 403);
          continue;
        }
        auto a = s.as(tenant, r, rc.method, path, body);
        CHECK(a.status == 403);
        CHECK(a.error_code() == "forbidden");
      }
    }

    // A non-admin role high enough, on the other tenant's job: as unknown.
    if (rc.kind != scope::global) {
      for (auto r : roles) {
        if (r < rc.minimum || r == role::admin) continue;
        INFO("role " << name_of(r) << " of acme on globex's job");
        auto a = s.as("acme", r, rc.method, filled(rc.path, globex), filled(rc.body, globex));
        if (rc.kind == scope::by_id) {
          CHECK(a.status == 404);
          CHECK(a.error_code() == "not_found");
        } else {
          REQUIRE(a.status == 200);
          CHECK(a.body.at("succeeded") == 0);
          CHECK(a.body.at("results").at(0).at("error").at("code") == "not_found");
        }
      }
    }

    // Every role high enough does it on its own tenant (fresh jobs each time:
    // cancel, discard and the like change them).
    for (auto r : roles) {
      if (r < rc.minimum) continue;
      INFO("role " << name_of(r) << " on its own tenant");
      const auto own = make_fixture(s, "acme");
      if (rc.stream) {
        CHECK(s.stream_status(filled(rc.path, own), "Bearer " + key_of("acme", r)) == 200);
        continue;
      }
      check_allowed(rc, s.as("acme", r, rc.method, filled(rc.path, own), filled(rc.body, own)),
                    "acme");
    }

    // An admin acts on every tenant.
    if (rc.kind != scope::global) {
      const auto theirs = make_fixture(s, "globex");
      check_allowed(
          rc,
          s.as("acme", role::admin, rc.method, filled(rc.path, theirs), filled(rc.body, theirs)),
          "globex");
    }
  }
}

TEST_CASE("health and readiness need no key", "[auth]") {
  keyed_server s;
  CHECK(s.send("GET", "/health", "", std::nullopt).status == 200);
  CHECK(s.send("GET", "/ready", "", std::nullopt).status == 200);
  CHECK(s.send("GET", "/api/jobs", "", std::nullopt).status == 401);
  // The start-up log says how many keys there are and what they mean; the
  // line follows the first answers by a moment (it is written once serving).
  std::string log;
  e2e::eventually(
      [&] {
        log = s.jf().process().log();
        return log.find("plain HTTP") != std::string::npos;
      },
      10s);
  INFO(log);
  CHECK(log.find("8 api_keys (tenants acme, globex)") != std::string::npos);
  CHECK(log.find("plain HTTP") != std::string::npos);
}

TEST_CASE("a viewer cannot submit and a submitter cannot replay", "[auth]") {
  keyed_server s;
  auto refused = s.as("acme", role::viewer, "POST", "/api/jobs", R"({"type":"echo","payload":{}})");
  CHECK(refused.status == 403);
  CHECK(refused.error_code() == "forbidden");
  CHECK(refused.error_message().find("submitter") != std::string::npos);

  const auto acme = make_fixture(s, "acme");
  auto replay =
      s.as("acme", role::submitter, "POST", "/api/dead-letter/" + acme.at("failed") + "/replay");
  CHECK(replay.status == 403);
  // Nothing changed: the job is still failed.
  auto job = s.as("acme", role::viewer, "GET", "/api/jobs/" + acme.at("failed"));
  CHECK(job.body.at("status") == "failed");
}

TEST_CASE("who did it: canceled_by and the audit log name the key, or its tenant and role",
          "[auth][audit]") {
  keyed_server s;
  const auto sleeper = R"({"type":"sleep","payload":{"ms":60000}})";
  for (const char* tenant : {"acme", "globex"}) {
    INFO(tenant);
    auto who = s.as(tenant, role::operator_, "GET", "/api/whoami");
    CHECK(who.body.at("actor") == json::value(actor_of(tenant, role::operator_)));
    auto submitted = s.as(tenant, role::submitter, "POST", "/api/jobs", sleeper);
    REQUIRE(submitted.status == 201);
    const std::string id(submitted.body.at("id").as_string());
    auto canceled = s.as(tenant, role::operator_, "POST", "/api/jobs/" + id + "/cancel");
    REQUIRE(canceled.status == 200);
    CHECK(canceled.body.at("canceled_by") == json::value(actor_of(tenant, role::operator_)));
    const std::string line = "audit: actor=" + actor_of(tenant, role::operator_) +
                             " tenant=" + tenant + " role=operator action=cancel target=job " + id +
                             " outcome=done";
    CHECK(e2e::eventually([&] { return s.jf().process().log().find(line) != std::string::npos; },
                          5s));
  }
  // A refused change is audited with the refusal.
  auto paused = s.as("acme", role::admin, "POST", "/api/job-types/no-such-type/pause");
  CHECK(paused.status == 404);
  CHECK(e2e::eventually(
      [&] {
        return s.jf().process().log().find(
                   "audit: actor=ada-admin tenant=acme role=admin action=pause target=type "
                   "no-such-type outcome=unknown_job_type") != std::string::npos;
      },
      5s));
}

TEST_CASE("lists show the caller's tenant only: admins filter by any", "[auth]") {
  keyed_server s;
  make_fixture(s, "acme");
  make_fixture(s, "globex");
  const auto tenants_of = [](const answer& a) {
    std::set<std::string> out;
    for (const auto& j : a.body.at("items").as_array())
      out.insert(std::string(j.at("tenant").as_string()));
    return out;
  };

  for (const std::string list : {"/api/jobs", "/api/dead-letter"}) {
    INFO(list);
    auto own = s.as("acme", role::viewer, "GET", list);
    REQUIRE(own.status == 200);
    CHECK(tenants_of(own) == std::set<std::string>{"acme"});
    CHECK(tenants_of(s.as("acme", role::viewer, "GET", list + "?tenant=acme")) ==
          std::set<std::string>{"acme"});
    auto other = s.as("acme", role::operator_, "GET", list + "?tenant=globex");
    CHECK(other.status == 403);
    CHECK(other.error_code() == "forbidden");
    CHECK(other.error_message().find("globex") != std::string::npos);

    CHECK(tenants_of(s.as("acme", role::admin, "GET", list)) ==
          std::set<std::string>{"acme", "globex"});
    CHECK(tenants_of(s.as("acme", role::admin, "GET", list + "?tenant=globex")) ==
          std::set<std::string>{"globex"});
  }

  // Dependents: a globex job an admin made depend on an acme job stays
  // invisible to acme.
  const auto acme = make_fixture(s, "acme");
  s.submit_for(
      "globex",
      {{"type", "echo"}, {"payload", json::object{}}, {"depends_on", {acme.at("parent")}}});
  auto dependents =
      s.as("acme", role::viewer, "GET", "/api/jobs/" + acme.at("parent") + "/dependents");
  REQUIRE(dependents.status == 200);
  CHECK(tenants_of(dependents) == std::set<std::string>{"acme"});
  CHECK(tenants_of(
            s.as("globex", role::admin, "GET", "/api/jobs/" + acme.at("parent") + "/dependents")) ==
        std::set<std::string>{"acme", "globex"});
}

TEST_CASE("submissions belong to the caller's tenant: parents must be visible", "[auth]") {
  keyed_server s;
  auto mine = s.as("acme", role::submitter, "POST", "/api/jobs", R"({"type":"echo","payload":{}})");
  REQUIRE(mine.status == 201);
  CHECK(mine.body.at("tenant") == "acme");

  auto foreign = s.as("acme", role::operator_, "POST", "/api/jobs",
                      R"({"type":"echo","payload":{},"tenant":"globex"})");
  CHECK(foreign.status == 403);
  CHECK(foreign.error_code() == "forbidden");
  auto named_own = s.as("acme", role::submitter, "POST", "/api/jobs",
                        R"({"type":"echo","payload":{},"tenant":"acme"})");
  CHECK(named_own.status == 201);
  auto for_globex = s.as("acme", role::admin, "POST", "/api/jobs",
                         R"({"type":"echo","payload":{},"tenant":"globex"})");
  REQUIRE(for_globex.status == 201);
  CHECK(for_globex.body.at("tenant") == "globex");

  auto batch = s.as("acme", role::submitter, "POST", "/api/jobs/batch",
                    R"({"jobs":[{"type":"echo","payload":{}},
                                {"type":"echo","payload":{},"tenant":"globex"}]})");
  CHECK(batch.status == 403);
  CHECK(batch.body.at("error").at("details").at("index") == 1);

  // Another tenant's parent is refused in the very words of an unknown one.
  const auto globex = make_fixture(s, "globex");
  const std::string hidden = globex.at("parent");
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  const auto same_refusal = [&](const std::string& method, const std::string& path,
                                const std::string& body_template) {
    INFO(method << " " << path << " " << body_template);
    auto a = s.as("acme", role::submitter, method, path, filled(body_template, {{"p", hidden}}));
    auto b = s.as("acme", role::submitter, method, path, filled(body_template, {{"p", unknown}}));
    CHECK(a.status == b.status);
    CHECK(a.status >= 400);
    CHECK(a.error_code() == b.error_code());
    auto message = a.error_message();
    message.replace(message.find(hidden), hidden.size(), unknown);
    CHECK(message == b.error_message());
  };
  same_refusal("POST", "/api/jobs", R"({"type":"echo","payload":{},"depends_on":["{p}"]})");
  same_refusal("POST", "/api/jobs/batch",
               R"({"jobs":[{"type":"echo","payload":{},"depends_on":["{p}"]}]})");
  const auto acme = make_fixture(s, "acme");
  same_refusal("POST", "/api/jobs/" + acme.at("blocked") + "/dependencies",
               R"({"depends_on":["{p}"]})");
  // And a job of another tenant reads exactly as an unknown one.
  auto a = s.as("acme", role::viewer, "GET", "/api/jobs/" + hidden);
  auto b = s.as("acme", role::viewer, "GET", "/api/jobs/" + unknown);
  CHECK(a.status == 404);
  CHECK(a.error_message() == "no job " + hidden);
  CHECK(b.error_message() == "no job " + unknown);
}

TEST_CASE("event streams carry the caller's tenant's events only", "[auth]") {
  keyed_server s;
  /// Reads a stream until `until` shows up, or 10 s pass (keep-alive
  /// comments arrive every 200 ms, so a read timeout alone would not end it).
  const auto read_stream = [&](const std::string& path, const std::string& key,
                               const std::string& until) {
    httplib::Client c("127.0.0.1", s.jf().port());
    c.set_read_timeout(10s);
    std::string text;
    const auto deadline = e2e::clock_type::now() + 10s;
    c.Get(path.c_str(), {{"Authorization", "Bearer " + key}}, [&](const char* data, std::size_t n) {
      text.append(data, n);
      return text.find(until) == std::string::npos && e2e::clock_type::now() < deadline;
    });
    return text;
  };
  const auto completion_of = [](const std::string& id) {
    return id + R"(","type":"echo","from":"running","to":"completed")";
  };

  // Live: a stream opened first sees acme's job and never globex's.
  std::string live;
  std::thread watcher([&] {
    live = read_stream("/api/events", key_of("acme", role::viewer), R"("to":"completed")");
  });
  std::this_thread::sleep_for(300ms);  // the stream is connected (no signal to wait on)
  const auto theirs =
      id_of(s.submit_for("globex", {{"type", "echo"}, {"payload", {{"n", 1}}}}, "?wait=10"));
  const auto ours =
      id_of(s.submit_for("acme", {{"type", "echo"}, {"payload", {{"n", 2}}}}, "?wait=10"));
  watcher.join();
  CHECK(live.find(ours) != std::string::npos);
  CHECK(live.find(theirs) == std::string::npos);

  // Replayed with Last-Event-ID: the same filter.
  const std::string replay = "/api/events?last_event_id=0";
  const auto acme_view = read_stream(replay, key_of("acme", role::viewer), completion_of(ours));
  CHECK(acme_view.find(completion_of(ours)) != std::string::npos);
  CHECK(acme_view.find(theirs) == std::string::npos);
  const auto globex_view =
      read_stream(replay, key_of("globex", role::operator_), completion_of(theirs));
  CHECK(globex_view.find(completion_of(theirs)) != std::string::npos);
  CHECK(globex_view.find(ours) == std::string::npos);
  const auto admin_view = read_stream(replay, key_of("globex", role::admin), completion_of(ours));
  CHECK(admin_view.find(theirs) != std::string::npos);
  CHECK(admin_view.find(ours) != std::string::npos);
}

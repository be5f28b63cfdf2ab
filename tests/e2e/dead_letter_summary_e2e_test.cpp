// GET /api/dead-letter/summary and the batch replay and discard of a whole
// group, against the real binary: groups by type and error code with their
// counts and first and last failure, within the caller's tenant only.

#include "keyed_server.hpp"

namespace json = boost::json;
using e2e::keyed_server;
using e2e::role;
using namespace std::chrono_literals;

namespace {

json::object failing(const std::string& code) {
  return {{"type", "fail"}, {"payload", {{"times", 9}, {"kind", "permanent"}, {"code", code}}}};
}

const json::object* group_of(const json::value& summary, const std::string& type,
                             const std::string& code) {
  for (const auto& g : summary.at("groups").as_array())
    if (g.at("type") == type.c_str() && g.at("code") == code.c_str()) return &g.as_object();
  return nullptr;
}

}  // namespace

TEST_CASE("the dead-letter summary groups failed jobs by type and code, per tenant",
          "[dashboard][dead-letter][auth]") {
  keyed_server s;
  std::vector<std::string> refused;
  for (int i = 0; i < 3; ++i)
    refused.push_back(e2e::job_id_of(s.submit_for("acme", failing("smtp_refused"), "?wait=10")));
  const auto timeout =
      e2e::job_id_of(s.submit_for("acme", failing("upstream_timeout"), "?wait=10"));
  s.submit_for("globex", failing("globex_only"), "?wait=10");
  s.submit_for("acme", {{"type", "echo"}, {"payload", json::object{}}}, "?wait=10");

  auto r = s.as("acme", role::viewer, "GET", "/api/dead-letter/summary");
  REQUIRE(r.status == 200);
  INFO(json::serialize(r.body));
  CHECK(r.body.at("total") == 4);
  CHECK(r.body.at("scanned") == 4);
  CHECK(r.body.at("complete") == true);
  const auto& groups = r.body.at("groups").as_array();
  REQUIRE(groups.size() == 2);                    // globex's group is not acme's business
  CHECK(groups[0].at("code") == "smtp_refused");  // the largest first
  const auto* big = group_of(r.body, "fail", "smtp_refused");
  REQUIRE(big);
  CHECK(big->at("count") == 3);
  CHECK(big->at("kind") == "permanent");
  CHECK(std::string(big->at("message").as_string()).find("deliberate failure") == 0);
  const auto first = std::string(big->at("first_seen").as_string());
  const auto last = std::string(big->at("last_seen").as_string());
  CHECK(first < last);  // RFC 3339 UTC with milliseconds sorts as time
  // The first and last failures are those of the first and last job.
  auto oldest = s.as("acme", role::viewer, "GET", "/api/jobs/" + refused.front());
  auto newest = s.as("acme", role::viewer, "GET", "/api/jobs/" + refused.back());
  CHECK(oldest.body.at("finished_at") == first.c_str());
  CHECK(newest.body.at("finished_at") == last.c_str());
  CHECK(group_of(r.body, "fail", "globex_only") == nullptr);

  // Admins see every tenant, or one.
  auto all = s.as("acme", role::admin, "GET", "/api/dead-letter/summary");
  CHECK(all.body.at("total") == 5);
  CHECK(group_of(all.body, "fail", "globex_only"));
  auto theirs = s.as("acme", role::admin, "GET", "/api/dead-letter/summary?tenant=globex");
  CHECK(theirs.body.at("total") == 1);
  CHECK(s.as("acme", role::operator_, "GET", "/api/dead-letter/summary?tenant=globex").status ==
        403);
  CHECK(s.as("acme", role::viewer, "GET", "/api/dead-letter/summary?type=echo").body.at("total") ==
        0);
  CHECK(s.as("acme", role::viewer, "GET", "/api/dead-letter/summary?limit=3").status == 400);
  CHECK(s.send("GET", "/api/dead-letter/summary", "", std::nullopt).status == 401);
  (void)timeout;
}

TEST_CASE("a whole group of the summary is replayed or discarded in one request",
          "[dashboard][dead-letter][auth]") {
  keyed_server s;
  for (int i = 0; i < 3; ++i)
    s.submit_for("acme", failing("smtp_refused"), "?wait=10");
  const auto other = e2e::job_id_of(s.submit_for("acme", failing("other"), "?wait=10"));
  const auto globex = e2e::job_id_of(s.submit_for("globex", failing("smtp_refused"), "?wait=10"));
  const std::string group = R"({"group": {"type": "fail", "code": "smtp_refused"}})";

  // Viewers and submitters may not; operators of acme act on acme's group only.
  CHECK(s.as("acme", role::viewer, "POST", "/api/dead-letter/discard", group).status == 403);
  CHECK(s.as("acme", role::submitter, "POST", "/api/dead-letter/replay", group).status == 403);
  auto discarded = s.as("acme", role::operator_, "POST", "/api/dead-letter/discard", group);
  REQUIRE(discarded.status == 200);
  CHECK(discarded.body.at("succeeded") == 3);
  CHECK(discarded.body.at("results").as_array().size() == 3);
  auto left = s.as("acme", role::admin, "GET", "/api/dead-letter/summary");
  CHECK(group_of(left.body, "fail", "smtp_refused")->at("count") == 1);  // globex's
  CHECK(s.as("acme", role::viewer, "GET", "/api/jobs/" + other).body.at("status") == "failed");
  CHECK(s.as("globex", role::viewer, "GET", "/api/jobs/" + globex).body.at("status") == "failed");

  // Replay with a new payload for every job of the group (this one succeeds).
  auto replayed = s.as("globex", role::operator_, "POST", "/api/dead-letter/replay",
                       R"({"group": {"type": "fail", "code": "smtp_refused"},
                           "payload": {"times": 0}})");
  REQUIRE(replayed.status == 200);
  CHECK(replayed.body.at("succeeded") == 1);
  CHECK(replayed.body.at("results").at(0).at("id") == globex.c_str());
  REQUIRE(e2e::eventually(
      [&] {
        return s.as("globex", role::viewer, "GET", "/api/jobs/" + globex).body.at("status") ==
               "completed";
      },
      10s));

  // An empty group acts on nothing; malformed groups are refused.
  auto none = s.as("acme", role::operator_, "POST", "/api/dead-letter/discard", group);
  REQUIRE(none.status == 200);
  CHECK(none.body.at("succeeded") == 0);
  CHECK(none.body.at("results").as_array().empty());
  for (const char* bad : {R"({"group": {"type": "fail"}})", R"({"group": "fail"})",
                          R"({"group": {"type": "fail", "code": "x"}, "ids": []})"}) {
    INFO(bad);
    auto a = s.as("acme", role::operator_, "POST", "/api/dead-letter/discard", bad);
    CHECK(a.status == 400);
    CHECK(a.error_code() == "invalid_argument");
  }
}

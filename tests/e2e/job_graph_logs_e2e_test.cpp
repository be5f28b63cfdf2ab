// GET /api/jobs/{id}/graph, GET /api/jobs/{id}/logs (and `event: log`) and
// the paused state of job types, against the real binary, with roles and
// tenants.

#include "keyed_server.hpp"

#include <set>

namespace json = boost::json;
using e2e::keyed_server;
using e2e::role;
using namespace std::chrono_literals;

namespace {

const json::object later{{"type", "echo"}, {"payload", json::object{}}, {"run_in_ms", 3'600'000}};

json::object child_of(const std::vector<std::string>& parents) {
  json::array list;
  for (const auto& p : parents)
    list.emplace_back(p);
  return {{"type", "echo"}, {"payload", json::object{}}, {"depends_on", list}};
}

std::map<std::string, std::int64_t> levels_of(const json::value& graph) {
  std::map<std::string, std::int64_t> out;
  for (const auto& n : graph.at("nodes").as_array())
    out[std::string(n.at("id").as_string())] = n.at("level").as_int64();
  return out;
}

}  // namespace

TEST_CASE("a job's graph: its parents and children with their statuses, bounded",
          "[dashboard][graph][auth]") {
  keyed_server s;
  const auto parent = e2e::job_id_of(s.submit_for("acme", later));
  const auto done = e2e::job_id_of(
      s.submit_for("acme", {{"type", "echo"}, {"payload", json::object{}}}, "?wait=10"));
  const auto grandparent_free = e2e::job_id_of(s.submit_for("acme", later));
  const auto job = e2e::job_id_of(s.submit_for("acme", child_of({parent})));
  const auto child = e2e::job_id_of(s.submit_for("acme", child_of({job})));
  const auto grandchild = e2e::job_id_of(s.submit_for("acme", child_of({child})));
  // A globex job an admin made depend on acme's job: not acme's business.
  const auto foreign = e2e::job_id_of(s.submit_for("globex", child_of({job})));
  (void)done;
  (void)grandparent_free;

  auto r = s.as("acme", role::viewer, "GET", "/api/jobs/" + job + "/graph");
  REQUIRE(r.status == 200);
  INFO(json::serialize(r.body));
  CHECK(r.body.at("depth") == 2);
  CHECK(r.body.at("truncated") == false);
  const auto levels = levels_of(r.body);
  CHECK(levels ==
        std::map<std::string, std::int64_t>{{job, 0}, {parent, -1}, {child, 1}, {grandchild, 2}});
  for (const auto& n : r.body.at("nodes").as_array()) {
    if (n.at("id") == job.c_str()) {
      CHECK(n.at("status") == "blocked");
      CHECK(n.at("dependency_mode") == "all");
    }
    if (n.at("id") == parent.c_str()) CHECK(n.at("status") == "scheduled");
  }
  std::set<std::pair<std::string, std::string>> edges;
  for (const auto& e : r.body.at("edges").as_array())
    edges.emplace(std::string(e.at("from").as_string()), std::string(e.at("to").as_string()));
  CHECK(edges == std::set<std::pair<std::string, std::string>>{
                     {parent, job}, {job, child}, {child, grandchild}});

  // Bounds: one step, or three nodes.
  auto near = s.as("acme", role::viewer, "GET", "/api/jobs/" + job + "/graph?depth=1");
  CHECK(levels_of(near.body).count(grandchild) == 0);
  CHECK(levels_of(near.body).size() == 3);
  auto small = s.as("acme", role::viewer, "GET", "/api/jobs/" + job + "/graph?max_nodes=2");
  CHECK(small.body.at("nodes").as_array().size() == 2);
  CHECK(small.body.at("truncated") == true);
  // An admin sees the other tenant's child as well.
  auto all = s.as("globex", role::admin, "GET", "/api/jobs/" + job + "/graph");
  CHECK(levels_of(all.body).count(foreign) == 1);
  // From the other side, acme's parent is a node without anything about it.
  auto theirs = s.as("globex", role::viewer, "GET", "/api/jobs/" + foreign + "/graph");
  REQUIRE(theirs.status == 200);
  for (const auto& n : theirs.body.at("nodes").as_array())
    if (n.at("id") == job.c_str()) {
      CHECK(n.at("status") == "deleted");
      CHECK_FALSE(n.as_object().contains("type"));
    }
  CHECK(s.as("globex", role::viewer, "GET", "/api/jobs/" + job + "/graph").status == 404);
  for (const char* bad : {"?depth=0", "?depth=6", "?max_nodes=0", "?max_nodes=501", "?x=1"}) {
    INFO(bad);
    CHECK(s.as("acme", role::viewer, "GET", "/api/jobs/" + job + "/graph" + bad).status == 400);
  }
  CHECK(s.send("GET", "/api/jobs/" + job + "/graph", "", std::nullopt).status == 401);
}

TEST_CASE("a job's log lines are kept and streamed, to its tenant only",
          "[dashboard][logs][auth]") {
  keyed_server s;
  // Fails its first attempt (logging a warning each time), then succeeds.
  const auto id =
      e2e::job_id_of(s.submit_for("acme",
                                  {{"type", "fail"},
                                   {"payload", {{"times", 1}, {"kind", "transient"}}},
                                   {"retry", {{"initial_backoff_ms", 50}, {"jitter", 0}}}},
                                  "?wait=10"));
  auto logs = s.as("acme", role::viewer, "GET", "/api/jobs/" + id + "/logs");
  REQUIRE(logs.status == 200);
  INFO(json::serialize(logs.body));
  CHECK(logs.body.at("job_id") == id.c_str());
  CHECK(logs.body.at("dropped") == 0);
  const auto& lines = logs.body.at("lines").as_array();
  REQUIRE(lines.size() == 1);  // the second attempt succeeds without a word
  CHECK(lines[0].at("attempt") == 1);
  CHECK(lines[0].at("level") == "warn");
  CHECK(std::string(lines[0].at("message").as_string()).find("failing on purpose") == 0);
  CHECK(lines[0].as_object().contains("at"));

  // The same line went out on the stream.
  const auto text = e2e::read_stream_as(s.jf().port(), "/api/events?last_event_id=0&job_id=" + id,
                                        e2e::key_of("acme", role::viewer), "event: log");
  CHECK(text.find("event: log\ndata: {\"job_id\":\"" + id) != std::string::npos);
  CHECK(text.find(R"("level":"warn","message":"failing on purpose)") != std::string::npos);
  const auto globex_stream =
      e2e::read_stream_as(s.jf().port(), "/api/events?last_event_id=0",
                          e2e::key_of("globex", role::viewer), "event: log", 1500ms);
  CHECK(globex_stream.find(id) == std::string::npos);

  const auto quiet = e2e::job_id_of(
      s.submit_for("acme", {{"type", "echo"}, {"payload", json::object{}}}, "?wait=10"));
  auto none = s.as("acme", role::viewer, "GET", "/api/jobs/" + quiet + "/logs");
  CHECK(none.body.at("lines").as_array().empty());
  CHECK(s.as("globex", role::viewer, "GET", "/api/jobs/" + id + "/logs").status == 404);
  CHECK(s.as("globex", role::admin, "GET", "/api/jobs/" + id + "/logs").status == 200);
  CHECK(s.as("acme", role::viewer, "GET", "/api/jobs/" + id + "/logs?tail=1").status == 400);
  CHECK(s.send("GET", "/api/jobs/" + id + "/logs", "", std::nullopt).status == 401);
}

TEST_CASE("job types say whether they are paused", "[dashboard][auth]") {
  keyed_server s;
  const auto paused_of = [&](const std::string& type) {
    auto one = s.as("acme", role::viewer, "GET", "/api/job-types/" + type);
    REQUIRE(one.status == 200);
    bool in_list = false;
    const auto list = s.as("acme", role::viewer, "GET", "/api/job-types");
    for (const auto& t : list.body.at("items").as_array())
      if (t.at("name") == type.c_str()) in_list = t.at("paused").as_bool();
    CHECK(in_list == one.body.at("paused").as_bool());
    return one.body.at("paused").as_bool();
  };
  CHECK_FALSE(paused_of("noop"));
  CHECK(s.as("acme", role::operator_, "POST", "/api/job-types/noop/pause").status == 403);
  CHECK_FALSE(paused_of("noop"));
  CHECK(s.as("acme", role::admin, "POST", "/api/job-types/noop/pause").status == 200);
  CHECK(paused_of("noop"));
  CHECK_FALSE(paused_of("echo"));
  CHECK(s.as("globex", role::admin, "POST", "/api/job-types/noop/resume").status == 200);
  CHECK_FALSE(paused_of("noop"));
}

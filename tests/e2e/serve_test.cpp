// End to end: the real `jobforge serve` process, spoken to over HTTP on
// loopback. Each test case starts its own server (see served_jobforge.hpp).

#include "served_jobforge.hpp"

#include <set>

namespace json = boost::json;
using e2e::id_of;
using e2e::reply;
using e2e::served_jobforge;
using e2e::sleep_job;
using e2e::status_of;
using e2e::submit;
using namespace std::chrono_literals;

namespace {

/// Every job of a list query, walking all pages with `limit`; counts pages.
std::vector<json::object> all_pages(served_jobforge& jf, const std::string& query,
                                    std::size_t limit, int& pages) {
  std::vector<json::object> jobs;
  std::string cursor;
  pages = 0;
  for (;;) {
    auto r =
        jf.get("/api/jobs?" + query + "&limit=" + std::to_string(limit) +
               (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor)));
    REQUIRE(r.status == 200);
    ++pages;
    REQUIRE(pages <= 100);  // a cursor that never ends would loop forever
    const auto& items = r.object().at("items").as_array();
    CHECK(items.size() <= limit);
    for (const auto& item : items)
      jobs.push_back(item.as_object());
    const auto* next = r.object().if_contains("next_cursor");
    if (!next) return jobs;
    cursor = std::string(next->as_string());
  }
}

std::vector<std::string> ids_of(const std::vector<json::object>& jobs) {
  std::vector<std::string> ids;
  for (const auto& j : jobs)
    ids.emplace_back(j.at("id").as_string());
  return ids;
}

}  // namespace

TEST_CASE("health and job types answer") {
  served_jobforge jf;
  auto health = jf.get("/health");
  CHECK(health.status == 200);
  CHECK(health.object().at("status") == "ok");
  auto ready = jf.get("/ready");
  CHECK(ready.status == 200);
  CHECK(ready.object().at("status") == "ready");
  CHECK(ready.object().at("checks").at("store") == "ok");
  CHECK(ready.object().at("checks").at("executors") == 4);

  auto types = jf.get("/api/job-types");
  REQUIRE(types.status == 200);
  std::set<std::string> names;
  for (const auto& t : types.object().at("items").as_array()) {
    names.emplace(t.at("name").as_string());
    for (const char* field : {"description", "schema", "sample_payload", "defaults"})
      CHECK(t.as_object().contains(field));
  }
  CHECK(names == std::set<std::string>{"echo", "email.send", "fail", "file.process", "http.request",
                                       "noop", "progress", "report.generate", "sleep",
                                       "webhook.deliver"});
  CHECK(jf.get("/api/job-types/sleep").status == 200);
  CHECK(jf.get("/api/job-types/nope").error_code() == "not_found");
}

TEST_CASE("an echo job submitted over HTTP completes with its payload") {
  served_jobforge jf;
  const json::value payload = {{"message", "hello"}, {"n", 3}};
  const auto id = submit(jf, json::object{{"type", "echo"}, {"payload", payload}});

  reply last;
  const bool done = e2e::eventually(
      [&] {
        last = jf.get("/api/jobs/" + id);
        return last.status == 200 && status_of(last) == "completed";
      },
      10s);
  INFO("last answer: " << json::serialize(last.body));
  REQUIRE(done);
  CHECK(last.object().at("result") == payload);
  CHECK(id_of(last) == id);
}

TEST_CASE("every demo type runs to its end over HTTP") {
  served_jobforge jf;
  struct expectation {
    json::value job;
    std::string status;
    std::int64_t attempts;
    json::value result;  // null: not compared
  };
  const std::vector<expectation> table = {
      {json::object{{"type", "noop"}, {"payload", json::object{}}}, "completed", 1, nullptr},
      {json::object{{"type", "echo"}, {"payload", {{"a", json::array{1, "two"}}}}},
       "completed",
       1,
       {{"a", json::array{1, "two"}}}},
      {sleep_job(30), "completed", 1, {{"slept_ms", 30}}},
      {json::object{{"type", "progress"}, {"payload", {{"steps", 2}, {"step_ms", 10}}}},
       "completed",
       1,
       {{"steps", 2}, {"resumed_from", 0}}},
      {json::object{{"type", "fail"},
                    {"payload", {{"times", 1}, {"kind", "transient"}}},
                    {"retry", {{"initial_backoff_ms", 10}, {"jitter", 0}}}},
       "completed",
       2,
       {{"succeeded_on_attempt", 2}}},
      {json::object{{"type", "fail"}, {"payload", {{"times", 5}, {"kind", "permanent"}}}}, "failed",
       1, nullptr},
  };
  for (const auto& t : table) {
    INFO(json::serialize(t.job));
    auto r = jf.post("/api/jobs?wait=10", t.job);
    INFO(json::serialize(r.body));
    REQUIRE(r.status == 201);
    CHECK(status_of(r) == t.status);
    CHECK(r.object().at("attempts") == t.attempts);
    if (!t.result.is_null()) CHECK(r.object().at("result") == t.result);
    if (t.status == "failed") CHECK(r.object().at("last_error").at("kind") == "permanent");
    // The stored job says the same once read back.
    CHECK(status_of(jf.get("/api/jobs/" + id_of(r))) == t.status);
  }
}

TEST_CASE("?wait answers with the finished job") {
  served_jobforge jf;
  auto r = jf.post("/api/jobs?wait=5", sleep_job(50));
  INFO(json::serialize(r.body));
  REQUIRE(r.status == 201);
  CHECK(status_of(r) == "completed");
  CHECK(r.object().at("result").at("slept_ms") == 50);

  // Not finished within the wait: 202 with the job, which goes on.
  auto slow = jf.post("/api/jobs?wait=0.2", sleep_job(60'000));
  CHECK(slow.status == 202);
  CHECK(status_of(slow) != "completed");
  CHECK(jf.post_text("/api/jobs/" + id_of(slow) + "/cancel", "").status == 200);

  CHECK(jf.post("/api/jobs?wait=301", sleep_job(1)).error_code() == "invalid_argument");
  CHECK(jf.post("/api/jobs?wait=soon", sleep_job(1)).error_code() == "invalid_argument");
}

TEST_CASE("bad submissions get a 4xx envelope and create nothing") {
  served_jobforge jf;

  SECTION("schema violation names the path") {
    auto r = jf.post("/api/jobs", json::value{{"type", "sleep"}, {"payload", {{"ms", "soon"}}}});
    CHECK(r.status == 422);
    REQUIRE(r.error_code() == "schema_violation");
    const auto& violations = r.object().at("error").at("details").at("violations").as_array();
    REQUIRE_FALSE(violations.empty());
    CHECK(violations[0].at("path") == "$.ms");
  }
  SECTION("malformed JSON") {
    auto r = jf.post_text("/api/jobs", R"({"type": "echo", )");
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_json");
    CHECK_FALSE(r.object().at("error").at("message").as_string().empty());
  }
  SECTION("empty body") {
    CHECK(jf.post_text("/api/jobs", "").error_code() == "invalid_json");
  }
  SECTION("unknown job type") {
    auto r = jf.post("/api/jobs", json::value{{"type", "nope"}});
    CHECK(r.status == 422);
    CHECK(r.error_code() == "unknown_job_type");
  }
  SECTION("unknown field") {
    auto r = jf.post("/api/jobs", json::value{{"type", "echo"}, {"colour", "red"}});
    CHECK(r.status == 400);
    CHECK(r.object().at("error").at("details").at("path") == "$.colour");
  }
  SECTION("wrong field type") {
    auto r = jf.post("/api/jobs", json::value{{"type", "echo"}, {"max_attempts", "three"}});
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_argument");
  }
  SECTION("not an object") {
    CHECK(jf.post("/api/jobs", json::array{1, 2}).status == 400);
  }
  SECTION("unknown query parameter") {
    CHECK(jf.post("/api/jobs?colour=red", json::value{{"type", "echo"}}).status == 400);
  }

  auto list = jf.get("/api/jobs");
  REQUIRE(list.status == 200);
  CHECK(list.object().at("items").as_array().empty());
}

TEST_CASE("a malformed job id gives 400 and an unknown one 404") {
  served_jobforge jf;
  const std::string unknown = "/api/jobs/0f8fad5b-d9cb-469f-a165-70867728950e";

  auto bad = jf.get("/api/jobs/not-a-uuid");
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "invalid_argument");
  auto missing = jf.get(unknown);
  CHECK(missing.status == 404);
  CHECK(missing.error_code() == "not_found");

  CHECK(jf.post_text("/api/jobs/not-a-uuid/cancel", "").status == 400);
  CHECK(jf.post_text(unknown + "/cancel", "").status == 404);
  CHECK(jf.del("/api/jobs/not-a-uuid").status == 400);
  CHECK(jf.del(unknown).status == 404);
}

TEST_CASE("the job list filters by status and walks every page once") {
  served_jobforge jf;
  std::set<std::string> completed;
  for (int i = 0; i < 5; ++i) {
    auto r = jf.post("/api/jobs?wait=5", json::value{{"type", "echo"}, {"payload", {{"i", i}}}});
    REQUIRE(r.status == 201);
    REQUIRE(status_of(r) == "completed");
    completed.insert(id_of(r));
  }
  const auto sleeper = submit(jf, sleep_job(60'000));

  int pages = 0;
  auto ids = ids_of(all_pages(jf, "status=completed", 2, pages));
  CHECK(pages == 3);
  CHECK(ids.size() == completed.size());
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == completed);

  ids = ids_of(all_pages(jf, "status=pending,running&type=sleep", 2, pages));
  CHECK(ids == std::vector<std::string>{sleeper});

  // Oldest first; jobs created within the same millisecond tie (broken by id).
  const auto oldest_first = all_pages(jf, "order=created_asc", 4, pages);
  ids = ids_of(oldest_first);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 6);
  for (std::size_t i = 1; i < oldest_first.size(); ++i)
    CHECK(oldest_first[i - 1].at("created_at").as_string() <=
          oldest_first[i].at("created_at").as_string());

  for (const char* bad : {"limit=0", "limit=1001", "limit=two", "status=done",
                          "status=", "cursor=garbage", "order=sideways", "colour=red"}) {
    INFO(bad);
    auto r = jf.get(std::string("/api/jobs?") + bad);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "invalid_argument");
  }
  CHECK(jf.del("/api/jobs/" + sleeper).status == 200);
}

TEST_CASE("a long sleep is canceled by POST cancel and by DELETE") {
  served_jobforge jf;
  const auto first = submit(jf, sleep_job(60'000));
  auto r = jf.post("/api/jobs/" + first + "/cancel",
                   json::value{{"reason", "not needed"}, {"mode", "forced"}});
  INFO(json::serialize(r.body));
  REQUIRE(r.status == 200);
  CHECK(status_of(r) == "canceled");
  CHECK(r.object().at("cancel_reason") == "not needed");
  CHECK(jf.get("/api/jobs/" + first).object().at("status") == "canceled");

  // Canceling it again conflicts; nothing about it changes.
  CHECK(jf.post_text("/api/jobs/" + first + "/cancel", "").status == 409);

  const auto second = submit(jf, sleep_job(60'000));
  CHECK(jf.post_text("/api/jobs/" + second + "/cancel?mode=sideways", "").status == 400);
  CHECK(jf.post("/api/jobs/" + second + "/cancel", json::value{{"why", "x"}}).status == 400);
  auto d = jf.del("/api/jobs/" + second + "?reason=bye");
  REQUIRE(d.status == 200);
  CHECK(status_of(d) == "canceled");
  CHECK(d.object().at("cancel_reason") == "bye");
}

TEST_CASE("unknown routes and oversized bodies answer with the envelope") {
  served_jobforge jf({"--max-body-bytes", "65536"});
  auto r = jf.get("/api/nothing-here");
  CHECK(r.status == 404);
  CHECK(r.error_code() == "not_found");

  const std::string big(100'000, 'x');
  auto large = jf.post("/api/jobs", json::value{{"type", "echo"}, {"payload", {{"x", big}}}});
  CHECK(large.status == 413);
  CHECK(large.error_code() == "payload_too_large");
  CHECK(jf.get("/api/jobs").object().at("items").as_array().empty());
}

TEST_CASE("SIGTERM and SIGINT stop the server with exit code 0") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  e2e::temp_dir data;
  std::string short_id, long_id;
  {
    served_jobforge jf({"--shutdown-grace-ms", "1500"}, data.path().string());
    short_id = submit(jf, sleep_job(300));    // finishes within the grace
    long_id = submit(jf, sleep_job(60'000));  // does not: back to pending
    REQUIRE(e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + long_id)) == "running"; },
                            5s));
    const auto started = std::chrono::steady_clock::now();
    const auto status = jf.process().stop_with(sig, 15s);
    INFO("signal " << sig << "; jobforge log:\n" << jf.process().log());
    REQUIRE(status);
    REQUIRE(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    CHECK(jf.process().log().find("draining") != std::string::npos);
  }
  // What the next start finds: the short job done, the long one resumed.
  served_jobforge again({}, data.path().string());
  CHECK(status_of(again.get("/api/jobs/" + short_id)) == "completed");
  const auto resumed = again.get("/api/jobs/" + long_id);
  CHECK(status_of(resumed) == "running");
  const auto& history = resumed.object().at("history").as_array();
  bool interrupted = false;
  for (const auto& h : history)
    interrupted |= h.at("reason") == "interrupted by shutdown";
  CHECK(interrupted);
  CHECK(resumed.object().at("attempts") == 2);
}

TEST_CASE("a second signal during the drain forces the exit at once") {
  served_jobforge jf({"--shutdown-grace-ms", "60000"});
  const auto id = submit(jf, sleep_job(60'000));
  REQUIRE(e2e::eventually([&] { return status_of(jf.get("/api/jobs/" + id)) == "running"; }, 5s));
  REQUIRE(jf.process().running());
  ::kill(jf.process().pid(), SIGTERM);
  REQUIRE(e2e::eventually([&] { return jf.process().log().find("draining") != std::string::npos; },
                          5s));
  const auto status = jf.process().stop_with(SIGTERM, 5s);
  INFO("jobforge log:\n" << jf.process().log());
  REQUIRE(status);
  REQUIRE(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 128 + SIGTERM);
}

TEST_CASE("jobs survive a restart of the server on the same data directory") {
  e2e::temp_dir data;
  std::string done_id, delayed_id;
  {
    served_jobforge jf({}, data.path().string());
    done_id = submit(jf, json::object{{"type", "echo"}, {"payload", {{"n", 1}}}});
    delayed_id = submit(
        jf, json::object{{"type", "noop"}, {"payload", json::object{}}, {"run_in_ms", 3'600'000}});
    REQUIRE(e2e::eventually(
        [&] { return status_of(jf.get("/api/jobs/" + done_id)) == "completed"; }, 5s));
  }  // killed with SIGKILL by the guard
  served_jobforge again({}, data.path().string());
  const auto done = again.get("/api/jobs/" + done_id);
  CHECK(status_of(done) == "completed");
  CHECK(done.object().at("result") == json::value({{"n", 1}}));
  CHECK(status_of(again.get("/api/jobs/" + delayed_id)) == "scheduled");
}

TEST_CASE("an unusable data directory stops the start with a clear message") {
  e2e::temp_dir data;
  const std::string file = data.file("not-a-dir");
  std::ofstream(file) << "x";
  e2e::child_process p({JOBFORGE_BINARY, "serve", "--port", "0", "--data-dir", file});
  const int code = e2e::run_to_end(p);
  const auto log = p.log();
  INFO(log);
  CHECK(log.find("data directory") != std::string::npos);
  CHECK(code == 1);
}

TEST_CASE(
    "a second server on a data directory one already serves is refused, and the first "
    "serves on") {
  e2e::temp_dir data;
  served_jobforge first({}, data.path().string());
  const auto id = submit(first, json::object{{"type", "noop"}, {"payload", json::object{}}});
  e2e::child_process second(
      {JOBFORGE_BINARY, "serve", "--port", "0", "--data-dir", data.path().string()});
  const int code = e2e::run_to_end(second);
  const auto log = second.log();
  INFO(log);
  CHECK(code == 1);
  CHECK(log.find("in use by another process") != std::string::npos);
  CHECK(first.get("/api/jobs/" + id).status == 200);
  CHECK(first.get("/ready").status == 200);
}

TEST_CASE("a second server on a port one already listens on is refused, and the first serves on") {
  e2e::served_jobforge first;
  e2e::temp_dir data;
  e2e::child_process second({JOBFORGE_BINARY, "serve", "--port", std::to_string(first.port()),
                             "--data-dir", data.path().string()});
  const int code = e2e::run_to_end(second);
  const auto log = second.log();
  INFO(log);
  CHECK(code == 1);
  CHECK(log.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
        std::string::npos);
  // Every request still reaches the first (none is shared out to a second).
  for (int i = 0; i < 20; ++i)
    CHECK(first.get("/health").status == 200);
}

// The command-line client against the real server: each command, its
// output, and the exit codes scripts rely on.

#include "served_jobforge.hpp"

namespace json = boost::json;
using e2e::child_process;
using e2e::served_jobforge;
using namespace std::chrono_literals;

namespace {

struct cli_run {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

cli_run run_cli(std::vector<std::string> args, int port) {
  args.insert(args.begin(), JOBFORGE_BINARY);
  args.push_back("--url");
  args.push_back("http://127.0.0.1:" + std::to_string(port));
  child_process p(args);
  const int code = e2e::run_to_end(p, 30s);
  return {code, p.log()};
}

std::string first_word(const std::string& text) {
  return text.substr(0, text.find_first_of(" \n"));
}

}  // namespace

TEST_CASE("cli: submit --wait reports the result, and a failure with its own exit code") {
  served_jobforge jf;
  auto ok = run_cli({"submit", "echo", "--payload", R"({"n": 7})", "--wait"}, jf.port());
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("completed {\"n\":7}") != std::string::npos);

  auto failed = run_cli(
      {"submit", "fail", "--payload", R"({"times": 3, "kind": "permanent"})", "--wait"}, jf.port());
  INFO(failed.output);
  CHECK(failed.exit_code == 1);
  CHECK(failed.output.find("failed") != std::string::npos);
}

TEST_CASE("cli: bad input and an unreachable server have their own exit codes") {
  served_jobforge jf;
  auto bad_json = run_cli({"submit", "echo", "--payload", "{nope"}, jf.port());
  CHECK(bad_json.exit_code == 2);
  CHECK(bad_json.output.find("not valid JSON") != std::string::npos);
  auto unknown = run_cli({"submit", "no.such.type"}, jf.port());
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("422") != std::string::npos);
  auto usage = run_cli({"submit"}, jf.port());
  CHECK(usage.exit_code == 2);
  auto nowhere =
      run_cli({"get", "0f8fad5b-d9cb-469f-a165-70867728950e"}, e2e::free_loopback_port());
  CHECK(nowhere.exit_code == 3);
  CHECK(nowhere.output.find("cannot reach") != std::string::npos);
  CHECK(jf.get("/api/jobs").object().at("items").as_array().empty());
}

TEST_CASE("cli: submit, get, list and cancel") {
  served_jobforge jf;
  e2e::temp_dir dir;
  const auto payload_file = dir.file("payload.json");
  std::ofstream(payload_file) << R"({"ms": 60000})";
  auto submitted = run_cli(
      {"submit", "sleep", "--payload", "@" + payload_file, "--priority", "high", "--tag", "cli"},
      jf.port());
  INFO(submitted.output);
  REQUIRE(submitted.exit_code == 0);
  const std::string id = first_word(submitted.output);
  REQUIRE(id.size() == 36);

  auto got = run_cli({"get", id}, jf.port());
  REQUIRE(got.exit_code == 0);
  const auto job = json::parse(got.output).as_object();
  CHECK(job.at("priority") == "high");
  CHECK(job.at("tags") == json::array{"cli"});

  auto listed = run_cli({"list", "--type", "sleep"}, jf.port());
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.output.rfind("ID", 0) == 0);
  CHECK(listed.output.find(id) != std::string::npos);

  auto canceled = run_cli({"cancel", id, "--reason", "not needed", "--mode", "forced"}, jf.port());
  INFO(canceled.output);
  CHECK(canceled.exit_code == 0);
  CHECK(canceled.output.find("canceled (not needed)") != std::string::npos);
  CHECK(run_cli({"cancel", id}, jf.port()).exit_code == 2);  // 409: already canceled
}

TEST_CASE("cli: dependencies, attempts, deduplication and a priority change") {
  served_jobforge jf;
  auto parent = run_cli({"submit", "echo", "--run-at", "2099-01-01T00:00:00Z"}, jf.port());
  INFO(parent.output);
  REQUIRE(parent.exit_code == 0);
  const std::string parent_id = first_word(parent.output);
  auto child = run_cli({"submit", "noop", "--depends-on", parent_id, "--dependency-mode", "any",
                        "--on-dependency-failure", "run", "--dependency-timeout-ms", "600000",
                        "--max-attempts", "2", "--max-retry-ms", "60000", "--priority", "high"},
                       jf.port());
  INFO(child.output);
  REQUIRE(child.exit_code == 0);
  const std::string child_id = first_word(child.output);
  const auto job = json::parse(run_cli({"get", child_id}, jf.port()).output).as_object();
  CHECK(job.at("status") == "blocked");
  CHECK(job.at("dependency_mode") == "any");
  CHECK(job.at("on_dependency_failure") == "run");
  CHECK(job.at("dependency_timeout_ms") == 600000);
  CHECK(job.at("max_attempts") == 2);
  CHECK(job.at("max_retry_ms") == 60000);

  // The waiting high child lends the parent its priority.
  auto lowered = run_cli({"priority", parent_id, "low"}, jf.port());
  INFO(lowered.output);
  CHECK(lowered.exit_code == 0);
  CHECK(lowered.output == parent_id + " scheduled priority low (runs at high, inherited)\n");
  auto raised = run_cli({"priority", parent_id, "critical"}, jf.port());
  CHECK(raised.output == parent_id + " scheduled priority critical\n");
  CHECK(run_cli({"priority", parent_id, "urgent"}, jf.port()).exit_code == 2);

  auto first = run_cli({"submit", "echo", "--unique-key", "nightly-1"}, jf.port());
  auto again = run_cli({"submit", "echo", "--unique-key", "nightly-1"}, jf.port());
  REQUIRE(first.exit_code == 0);
  REQUIRE(again.exit_code == 0);
  CHECK(first_word(again.output) == first_word(first.output));
}

TEST_CASE("cli: wait follows progress as plain lines and times out with its own code") {
  served_jobforge jf;
  // The type is paused until the client follows the job, however slowly it
  // starts (under a sanitizer on a busy machine, a running job could end
  // before the client's first look).
  REQUIRE(jf.post_text("/api/job-types/progress/pause", "").status == 200);
  auto r = jf.post("/api/jobs",
                   json::parse(R"({"type": "progress", "payload": {"steps": 3, "step_ms": 50}})"));
  REQUIRE(r.status == 201);
  const auto id = e2e::id_of(r);
  child_process waiting(
      {JOBFORGE_BINARY, "wait", id, "--url", "http://127.0.0.1:" + std::to_string(jf.port())});
  // It follows the stream once it prints the job's submission (replayed).
  REQUIRE(e2e::eventually([&] { return waiting.log().find("status pending") != std::string::npos; },
                          20s));
  REQUIRE(jf.post_text("/api/job-types/progress/resume", "").status == 200);
  const int code = e2e::run_to_end(waiting, 30s);
  const std::string output = waiting.log();
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("progress ") != std::string::npos);  // piped: plain lines
  CHECK(output.find("status completed") != std::string::npos);
  CHECK(output.find(id + " completed") != std::string::npos);

  // The wait ends at its timeout, not when a quiet event stream next says
  // something (keep-alive comments come every 15 s).
  const auto slow = e2e::submit(jf, e2e::sleep_job(60'000));
  const auto started = std::chrono::steady_clock::now();
  auto timed_out = run_cli({"wait", slow, "--timeout", "0.5"}, jf.port());
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(timed_out.exit_code == 4);
  CHECK(timed_out.output.find("still") != std::string::npos);
  CHECK(jf.post_text("/api/jobs/" + slow + "/cancel", "").status == 200);
}

TEST_CASE("cli: schedules create, list, show, pause, resume, trigger and delete") {
  served_jobforge jf;
  auto made =
      run_cli({"schedules", "create", "nightly", "--cron", "0 3 * * *", "--zone", "Europe/Berlin",
               "--type", "echo", "--payload", R"({"n": 1})", "--on-missed", "catch_up"},
              jf.port());
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  CHECK(made.output.find("nightly created; next run ") != std::string::npos);

  auto listed = run_cli({"schedules", "list"}, jf.port());
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK(listed.output.find("NAME") != std::string::npos);
  CHECK(listed.output.find("nightly") != std::string::npos);
  CHECK(listed.output.find("Europe/Berlin") != std::string::npos);

  auto paused = run_cli({"schedules", "pause", "nightly"}, jf.port());
  CHECK(paused.exit_code == 0);
  CHECK(paused.output.find("\"paused\":true") != std::string::npos);
  CHECK(run_cli({"schedules", "resume", "nightly"}, jf.port()).output.find("\"paused\":false") !=
        std::string::npos);

  auto triggered = run_cli({"schedules", "trigger", "nightly"}, jf.port());
  INFO(triggered.output);
  REQUIRE(triggered.exit_code == 0);
  const auto id = first_word(triggered.output);
  CHECK(jf.get("/api/jobs/" + id).object().at("type") == "echo");
  auto shown = run_cli({"schedules", "show", "nightly"}, jf.port());
  CHECK(shown.output.find("\"last_job\":\"" + id + "\"") != std::string::npos);

  // Refusals: a bad cron (the server's words), a name taken, none such.
  auto bad =
      run_cli({"schedules", "create", "x", "--cron", "61 * * * *", "--type", "echo"}, jf.port());
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("minute") != std::string::npos);
  CHECK(run_cli({"schedules", "create", "nightly", "--cron", "@daily", "--type", "echo"}, jf.port())
            .exit_code == 2);
  CHECK(run_cli({"schedules", "show", "nope"}, jf.port()).exit_code == 2);
  CHECK(run_cli({"schedules", "show", "Not A Name"}, jf.port()).exit_code == 2);
  CHECK(run_cli({"schedules"}, jf.port()).exit_code == 2);  // no action

  CHECK(run_cli({"schedules", "delete", "nightly"}, jf.port()).exit_code == 0);
  CHECK(jf.get("/api/schedules/nightly").status == 404);
}

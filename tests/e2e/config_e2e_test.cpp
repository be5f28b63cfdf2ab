// The real binary's configuration: a bad file stops the start with every
// problem named, the environment overrides the file, JSON logs are valid.

#include "served_jobforge.hpp"

#include <sched.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace json = boost::json;
using e2e::child_process;
using e2e::served_jobforge;
using namespace std::chrono_literals;

TEST_CASE("a bad configuration file stops the start and names every problem") {
  e2e::temp_dir dir;
  const auto config = dir.file("jobforge.json");
  std::ofstream(config) << R"({"port": "eighty", "executors": 5000, "colour": "blue"})";
  const auto data = dir.file("data");
  child_process p({JOBFORGE_BINARY, "serve", "--config", config, "--data-dir", data});
  CHECK(run_to_end(p) == 2);
  const auto log = p.log();
  INFO(log);
  CHECK(log.find(config + ": port: must be an integer") != std::string::npos);
  CHECK(log.find(config + ": executors: must be an integer within 0..4096") != std::string::npos);
  CHECK(log.find(config + ": colour: unknown key") != std::string::npos);
  CHECK(log.find("3 problems") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(data));  // nothing was started
}

TEST_CASE("a bad environment variable is named, and a flag wins over a good one") {
  e2e::temp_dir dir;
  child_process bad({JOBFORGE_BINARY, "serve", "--data-dir", dir.file("data")},
                    {"JOBFORGE_SQLITE_SYNC=sometimes"});
  CHECK(run_to_end(bad) == 2);
  CHECK(bad.log().find("env JOBFORGE_SQLITE_SYNC: must be full, normal or off") !=
        std::string::npos);

  served_jobforge jf({"--sync", "normal"}, std::nullopt, {"JOBFORGE_SQLITE_SYNC=off"});
  CHECK(jf.get("/health").status == 200);
  CHECK(jf.process().log().find("synchronous=normal") != std::string::npos);
}

TEST_CASE("without api_keys the server refuses a non-loopback address") {
  e2e::temp_dir dir;
  child_process p({JOBFORGE_BINARY, "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir",
                   dir.file("data")});
  CHECK(run_to_end(p) == 1);
  CHECK(p.log().find("loopback only") != std::string::npos);
}

TEST_CASE("JSON logs are one valid JSON object per line") {
  served_jobforge jf({}, std::nullopt, {"JOBFORGE_LOG_FORMAT=json"});
  // A failing job logs a message with quotes in it.
  auto r =
      jf.post("/api/jobs?wait=5",
              json::object{{"type", "fail"}, {"payload", {{"times", 1}, {"kind", "permanent"}}}});
  REQUIRE(r.status == 201);
  const auto stopped = jf.process().stop_with(SIGTERM, 15s);
  REQUIRE(stopped);
  std::istringstream lines(jf.process().log());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++count;
    json::error_code ec;
    const auto v = json::parse(line, ec);
    INFO(line);
    REQUIRE_FALSE(ec);
    REQUIRE(v.is_object());
    CHECK(v.as_object().contains("msg"));
    CHECK(v.as_object().contains("level"));
  }
  CHECK(count >= 3);
}

namespace {

// The scheduling policy of every thread of process `pid`.
std::set<int> thread_policies(pid_t pid) {
  std::set<int> out;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    const int policy = ::sched_getscheduler(std::stoi(task.path().filename().string()));
    if (policy >= 0) out.insert(policy);  // a thread that just ended has no policy
  }
  return out;
}

std::size_t thread_count(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task"))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("every server thread runs under SCHED_BATCH, or the normal policy when configured") {
  {
    served_jobforge jf;
    // Runtime, HTTP pool, store writer, executors: far more than the main thread.
    CHECK(thread_count(jf.process().pid()) > 10);
    CHECK(thread_policies(jf.process().pid()) == std::set<int>{SCHED_BATCH});
    CHECK(jf.process().log().find("batch CPU scheduling") != std::string::npos);
  }
  served_jobforge normal({}, std::nullopt, {"JOBFORGE_CPU_SCHEDULING=normal"});
  CHECK(thread_policies(normal.process().pid()) == std::set<int>{SCHED_OTHER});
  CHECK(normal.process().log().find("normal CPU scheduling") != std::string::npos);

  e2e::temp_dir dir;
  child_process bad({JOBFORGE_BINARY, "serve", "--data-dir", dir.file("data")},
                    {"JOBFORGE_CPU_SCHEDULING=fifo"});
  CHECK(e2e::run_to_end(bad) == 2);
  CHECK(bad.log().find("env JOBFORGE_CPU_SCHEDULING: must be batch or normal") !=
        std::string::npos);
}

#pragma once
/// The command-line client: `jobforge submit|get|list|cancel|wait|schedules` talk to a
/// running server over HTTP (--url, --api-key, or JOBFORGE_URL and
/// JOBFORGE_API_KEY). A standby coordinator's 503 names the leader
/// (`X-Jobforge-Leader`): the request is sent there once, said on stderr,
/// and the command's later requests go there too.
///
/// Exit codes (distinct, for scripts):
///   0  done: the request succeeded (and, with --wait / wait, the job completed)
///   1  the job failed or was canceled
///   2  bad input: a usage error, or the server refused the request (4xx)
///   3  the server could not be reached, or answered with a 5xx
///   4  waiting timed out; the job goes on

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobforge::app {

enum exit_code : int {
  exit_ok = 0,
  exit_job_failed = 1,
  exit_bad_input = 2,
  exit_unreachable = 3,
  exit_wait_timeout = 4,
};

struct client_options {
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  std::string ca_cert;  ///< PEM file of the CA that signed an https server's certificate
};

struct submit_options {
  std::string type;
  std::string payload = "{}";  ///< JSON text, or @file
  std::optional<std::string> priority;
  std::vector<std::string> depends_on;
  std::optional<std::string> dependency_mode;
  std::optional<std::string> on_dependency_failure;
  std::optional<std::int64_t> dependency_timeout_ms;
  std::optional<std::string> run_at;  ///< RFC 3339
  std::vector<std::string> tags;
  std::optional<std::string> unique_key;
  std::optional<std::int64_t> unique_for_ms;
  std::optional<int> max_attempts;
  std::optional<std::int64_t> max_retry_ms;
  bool wait = false;
  double timeout_s = 300;
};

struct list_options {
  std::optional<std::string> status;
  std::optional<std::string> type;
  std::size_t limit = 20;
};

/// `jobforge schedules list|show|create|delete|pause|resume|trigger`.
struct schedule_options {
  std::string action;  ///< list, show, create, delete, pause, resume or trigger
  std::string name;
  // create
  std::string cron;
  std::string zone = "UTC";
  std::string type;
  std::string payload = "{}";  ///< JSON text, or @file
  std::optional<std::string> priority;
  std::string on_missed = "skip";
  int catch_up_cap = 10;
  bool paused = false;
};

int schedules_command(const client_options& c, const schedule_options& o);
int submit_command(const client_options& c, const submit_options& o);
int get_command(const client_options& c, const std::string& id);
int list_command(const client_options& c, const list_options& o);
int cancel_command(const client_options& c, const std::string& id, const std::string& reason,
                   const std::string& mode);
int wait_command(const client_options& c, const std::string& id, double timeout_s);
/// `jobforge priority ID LEVEL`: prints the job's id, status and priorities.
int priority_command(const client_options& c, const std::string& id, const std::string& level);

}  // namespace jobforge::app

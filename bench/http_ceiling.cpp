// http_ceiling: what cpp-httplib alone costs on this machine. A server with
// jobforge's HTTP settings (64 pool threads, TCP_NODELAY, long keep-alive)
// whose routes do no work at all: POST /api/jobs and /api/jobs/batch answer
// a fixed job at once, GET /api/jobs an empty page, GET /health 200. Run
// http_load against it (--url) to get the ceiling of any server on this
// stack and machine, with the load generator sharing the cores as it does
// against the real one:
//
//   http_ceiling --port 18090 &
//   http_load --url http://127.0.0.1:18090 --only submit --jobs 100000
//
// Listens on 127.0.0.1 only; exits on SIGTERM or SIGINT.

#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

// The size and shape of a real answer: a freshly submitted `noop` job.
const std::string job_body =
    R"({"id":"0b6c9b54-5d4a-4d7e-9a51-2f1c7b1e0c11","type":"noop","payload":{},)"
    R"("status":"pending","priority":"normal","attempts":0,"max_attempts":3,"retry":)"
    R"({"initial_backoff_ms":1000,"max_backoff_ms":300000,"multiplier":2.0,"jitter":0.2,)"
    R"("retry_on":[]},"timeout_ms":30000,"run_at":null,"depends_on":[],"dependency_mode":)"
    R"("all","on_dependency_failure":"cancel","unique_key":null,"unique_for_ms":0,"tenant":)"
    R"("default","tags":[],"webhook_url":null,"webhook_events":[],"progress":null,"result":)"
    R"(null,"result_file":null,"last_error":null,"checkpoint":null,"history":[{"at":)"
    R"("2026-12-02T08:00:00.000Z","from":null,"to":"pending","attempt":0,"error":null,)"
    R"("node":"","reason":"submitted"}],"created_at":"2026-12-02T08:00:00.000Z",)"
    R"("updated_at":"2026-12-02T08:00:00.000Z","next_attempt_at":null,"started_at":null,)"
    R"("finished_at":"2026-12-02T08:00:00.001Z","canceled_at":null,"cancel_reason":null,)"
    R"("canceled_by":null})";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--port") {
    std::fprintf(stderr, "usage: http_ceiling --port N\n");
    return 2;
  }
  const int port = std::atoi(argv[2]);
  if (port < 1 || port > 65535) {
    std::fprintf(stderr, "http_ceiling: --port must be 1..65535\n");
    return 2;
  }
  // SIGTERM and SIGINT are taken by a thread of ours (sigwait), not by a
  // handler: stopping the server is not async-signal-safe.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by every thread
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10'000);
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Post("/api/jobs", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(job_body, "application/json");
  });
  server.Post("/api/jobs/batch", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"jobs":[]})", "application/json");
  });
  server.Get("/api/jobs", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"items":[]})", "application/json");
  });
  server.Get(R"(/api/jobs/([0-9a-f-]+))", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(job_body, "application/json");
  });
  std::thread stopper([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    server.stop();
  });
  stopper.detach();
  if (!server.listen("127.0.0.1", port)) {
    std::fprintf(stderr, "http_ceiling: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  return 0;
}

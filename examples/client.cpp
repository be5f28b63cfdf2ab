// Using jobforge from another process: the client library
// (include/jobforge/client.hpp) with an in-process fallback for when the
// server cannot be reached. Built with the project and run by the test
// suite against an address where nothing listens, so the fallback runs.
//
//   example_client [URL]     (default: $JOBFORGE_URL, else http://127.0.0.1:8080)
#include "jobforge/client.hpp"
#include "handlers/demo_types.hpp"
#include "jobforge/client_fallback.hpp"
#include "model/job_type_registry.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <future>
#include <iostream>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  namespace jfc = jobforge::client;

  jfc::options o;
  if (const char* url = std::getenv("JOBFORGE_URL")) o.url = url;
  if (argc > 1) o.url = argv[1];
  if (const char* key = std::getenv("JOBFORGE_API_KEY")) o.api_key = key;
  o.breaker = {3, 10s};  // open after 3 failures in a row, probe again after 10 s
  // The same job types the server runs, registered here for the fallback
  // (a program would register its own handlers).
  o.fallback = jfc::make_runtime_fallback([](jobforge::job_type_registry& types) {
    (void)jobforge::handlers::register_demo_types(types);
  });
  jfc::client client(o);

  // Submit and wait in one call: on the server, or here when it is away.
  auto greeted = client.execute_sync({"echo", R"({"greeting": "hello, Ada"})"}, 10s);
  if (!greeted) {
    std::cerr << jfc::to_string(greeted.error_value().kind) << ": " << greeted.error_value().message
              << "\n";
    return 1;
  }
  const auto result = boost::json::parse(greeted->result_json);
  std::cout << result.at("greeting").as_string().c_str()
            << (greeted->ran_locally ? " (ran locally)" : " (ran on the server)") << "\n";

  // Asynchronously: submit, then be called back when the job ends.
  jfc::submit_request later{"echo", R"({"greeting": "hello, Grace"})"};
  later.unique_key = "greet-grace";  // makes the submission safe to retry
  if (auto s = client.submit(later)) {
    std::promise<void> done;
    client.on_done(s->job.id, [&](const jfc::job& j) {
      std::cout << j.id << " " << j.status << " " << j.result_json << "\n";
      done.set_value();
    });
    done.get_future().wait_for(10s);
  } else {
    std::cout << "not submitted: " << s.error_value().message << "\n";
  }
  const auto b = client.breaker();
  std::cout << "breaker " << jfc::to_string(b.state) << " after " << b.consecutive_failures
            << " consecutive failures\n";
  return 0;
}

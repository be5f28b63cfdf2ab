// Using jobforge from C++: register a job type, submit a job, wait for it.
// Built with the project and run by the test suite (ctest -R example).
#include "handlers/demo_types.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <iostream>

int main() {
  using namespace std::chrono_literals;
  jobforge::job_type_registry types;

  // A job type: name, JSON Schema of its payload, a sample, defaults, handler.
  jobforge::job_type greet;
  greet.name = "greet";
  greet.description = "Says hello to someone.";
  greet.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1}},
    "required": ["name"]
  })");
  greet.sample_payload = boost::json::parse(R"({"name": "Ada"})");
  greet.defaults.max_attempts = 5;
  greet.handler = [](jobforge::handler_context& ctx, const boost::json::value& payload) {
    ctx.report_progress(50, "greeting");
    const std::string name(payload.at("name").as_string());
    if (name == "nobody") return jobforge::handler_result::permanent("no_one", "nobody to greet");
    return jobforge::handler_result::ok(boost::json::object{{"greeting", "hello, " + name}});
  };
  if (auto ok = types.add(std::move(greet)); !ok) {
    std::cerr << jobforge::to_string(ok.error_value()) << "\n";
    return 1;
  }
  if (auto ok = jobforge::handlers::register_demo_types(types); !ok) return 1;

  jobforge::runtime_config config;
  config.executors = 4;
  jobforge::runtime rt(std::move(types), config);

  // Submit, then wait for the job to finish.
  jobforge::job_request request;
  request.type = "greet";
  request.payload = boost::json::parse(R"({"name": "Ada"})");
  auto submitted = rt.submit(request);
  if (!submitted) {
    std::cerr << jobforge::to_string(submitted.error_value()) << "\n";
    return 1;
  }
  auto done = rt.wait(submitted->value.id, 10s);
  if (!done || done->status != jobforge::job_status::completed) return 1;
  std::cout << boost::json::serialize(done->result) << "\n";

  // Or in one call, for callers that want the result synchronously.
  request.payload = boost::json::parse(R"({"name": "nobody"})");
  auto failed = rt.execute_sync(request, 10s);
  if (failed || failed.error_value().code != jobforge::error_code::job_failed) return 1;
  std::cout << jobforge::to_string(failed.error_value()) << "\n";

  // Bad input is an error value and changes nothing.
  request.payload = boost::json::parse(R"({"name": 42})");
  auto refused = rt.submit(request);
  if (refused || refused.error_value().code != jobforge::error_code::schema_violation) return 1;
  std::cout << boost::json::serialize(jobforge::error_envelope(refused.error_value())) << "\n";
  return 0;
}

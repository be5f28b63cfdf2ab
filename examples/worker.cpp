// A worker node with a job type of its own, from C++: the program below
// starts a coordinator (jobforge::runtime with a cluster port, no executors
// of its own) and a worker_node that joins it over loopback, then submits a
// job that only the worker can run. In production the two run on different
// machines; both register the type (the coordinator validates payloads,
// the node runs the handler). Built with the project and run by the test
// suite (ctest -R example).
#include "cluster/worker_node.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <thread>

namespace {

jobforge::job_type resize_type() {
  jobforge::job_type t;
  t.name = "image.resize";
  t.description = "Pretends to resize an image.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {"width": {"type": "integer", "minimum": 1}},
    "required": ["width"]
  })");
  t.sample_payload = boost::json::parse(R"({"width": 640})");
  t.handler = [](jobforge::handler_context& ctx, const boost::json::value& payload) {
    ctx.report_progress(50, "resizing");
    const auto width = payload.at("width").as_int64();
    return jobforge::handler_result::ok(
        boost::json::object{{"width", width}, {"height", width / 2}});
  };
  return t;
}

jobforge::job_type_registry registry() {
  jobforge::job_type_registry types;
  if (auto ok = types.add(resize_type()); !ok) throw std::runtime_error(ok.error_value().message);
  return types;
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  // The coordinator: jobs are stored and scheduled here, and run on nodes.
  jobforge::runtime_config config;
  config.executors = 0;
  config.cluster = jobforge::cluster_listen{};  // 127.0.0.1, any free port
  jobforge::runtime coordinator(registry(), config);
  const auto port = *coordinator.cluster_port();

  // The worker node: its own registry, its own threads, joined over CAF.
  jobforge::worker_options options;
  options.join = {jobforge::cluster_address{"127.0.0.1", port}};
  options.node_id = "resizer-1";
  options.executors = 2;
  jobforge::worker_node node(registry(), options);
  std::thread serving([&] { node.run(); });

  jobforge::job_request request;
  request.type = "image.resize";
  request.payload = boost::json::object{{"width", 800}};
  auto done = coordinator.execute_sync(std::move(request), 30s);
  if (!done) {
    std::cerr << "the job did not complete: " << done.error_value().message << "\n";
    node.stop();
    serving.join();
    return 1;
  }
  std::string ran_on = "?";
  if (auto nodes = coordinator.cluster_nodes())
    for (const auto& n : *nodes)
      if (n.session != 0 && n.done > 0) ran_on = n.node;
  std::cout << "resized to " << done->at("width").as_int64() << "x" << done->at("height").as_int64()
            << " on " << ran_on << "\n";
  node.stop();
  serving.join();
  return 0;
}

#include "handlers/demo_types.hpp"

#include <boost/json/parse.hpp>

namespace jobforge::handlers {

job_type noop_type() {
  job_type t;
  t.name = "noop";
  t.description = "Does nothing and completes at once; for tests and benchmarks.";
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.sample_payload = boost::json::object{};
  t.handler = [](handler_context&, const boost::json::value&) { return handler_result::ok(); };
  return t;
}

}  // namespace jobforge::handlers

#include "handlers/demo_types.hpp"

#include <boost/json/parse.hpp>

namespace jobforge::handlers {

job_type echo_type() {
  job_type t;
  t.name = "echo";
  t.description = "Completes with its payload as the result.";
  t.schema = boost::json::parse(R"({})");
  t.sample_payload = boost::json::parse(R"({"message": "hello"})");
  t.handler = [](handler_context&, const boost::json::value& payload) {
    return handler_result::ok(payload);
  };
  return t;
}

}  // namespace jobforge::handlers

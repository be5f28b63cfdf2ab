#include "handlers/demo_types.hpp"

#include <boost/json/parse.hpp>

#include <stdexcept>
#include <string>

namespace jobforge::handlers {

job_type fail_type() {
  job_type t;
  t.name = "fail";
  t.description =
      "Fails its first `times` attempts with error kind `kind` (transient, permanent or crash) "
      "and error code `code` (logging a warning for each), then succeeds.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {
      "times": {"type": "integer", "minimum": 0, "maximum": 1000},
      "kind": {"enum": ["transient", "permanent", "crash"]},
      "code": {"type": "string", "minLength": 1, "maxLength": 64}
    },
    "required": ["times"],
    "additionalProperties": false
  })");
  t.sample_payload = boost::json::parse(R"({"times": 2, "kind": "transient"})");
  t.defaults.retry.initial_backoff_ms = 100;
  t.defaults.retry.max_backoff_ms = 5'000;
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    const auto& p = payload.as_object();
    const auto times = p.at("times").to_number<std::int64_t>();
    if (ctx.attempt() > times)
      return handler_result::ok(boost::json::object{{"succeeded_on_attempt", ctx.attempt()}});
    const auto* kind = p.if_contains("kind");
    const std::string kind_name = kind ? std::string(kind->as_string()) : "transient";
    const auto* code_value = p.if_contains("code");
    const std::string code = code_value ? std::string(code_value->as_string()) : "deliberate";
    const std::string message = "deliberate failure on attempt " + std::to_string(ctx.attempt()) +
                                " of the first " + std::to_string(times);
    // Said in the log as well, so that a failure on purpose is not taken for a real one.
    ctx.logger().warn("failing on purpose (" + kind_name + "): " + message);
    if (kind_name == "crash") throw std::runtime_error(message);
    if (kind_name == "permanent") return handler_result::permanent(code, message);
    return handler_result::transient(code, message);
  };
  return t;
}

}  // namespace jobforge::handlers

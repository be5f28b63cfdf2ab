#include "handlers/demo_types.hpp"

#include <boost/json/parse.hpp>

#include <string>

namespace jobforge::handlers {

job_type sleep_type() {
  job_type t;
  t.name = "sleep";
  t.description = "Sleeps for `ms` milliseconds; cancellation or timeout wakes it early.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {"ms": {"type": "integer", "minimum": 0, "maximum": 86400000}},
    "required": ["ms"],
    "additionalProperties": false
  })");
  t.sample_payload = boost::json::parse(R"({"ms": 1000})");
  t.defaults.timeout_ms = 3'600'000;
  t.max_timeout_ms = 86'400'000;
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    const auto ms = payload.at("ms").to_number<std::int64_t>();
    if (!ctx.sleep_for(milliseconds{ms})) {
      const auto why = ctx.stop().reason();
      return handler_result::transient(
          "interrupted",
          "sleep stopped early (" + std::string(why ? to_string(*why) : "stop") + ")");
    }
    return handler_result::ok(boost::json::object{{"slept_ms", ms}});
  };
  return t;
}

}  // namespace jobforge::handlers

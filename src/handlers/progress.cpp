#include "handlers/demo_types.hpp"

#include <boost/json/parse.hpp>

#include <string>

namespace jobforge::handlers {

job_type progress_type() {
  job_type t;
  t.name = "progress";
  t.description =
      "Works through `steps` steps of `step_ms` each, reporting progress and saving a checkpoint "
      "after every step, so a retry or replay resumes where the last attempt stopped.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {
      "steps": {"type": "integer", "minimum": 1, "maximum": 100000},
      "step_ms": {"type": "integer", "minimum": 0, "maximum": 3600000}
    },
    "required": ["steps"],
    "additionalProperties": false
  })");
  t.sample_payload = boost::json::parse(R"({"steps": 10, "step_ms": 100})");
  t.defaults.timeout_ms = 3'600'000;
  t.max_timeout_ms = 86'400'000;
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    const auto& p = payload.as_object();
    const auto steps = p.at("steps").to_number<std::int64_t>();
    const auto* step_ms_value = p.if_contains("step_ms");
    const std::int64_t step_ms = step_ms_value ? step_ms_value->to_number<std::int64_t>() : 0;
    std::int64_t done = 0;
    if (const auto* cp = ctx.checkpoint(); cp && cp->is_object())
      if (const auto* d = cp->as_object().if_contains("done"); d && d->is_int64())
        done = std::min(d->get_int64(), steps);
    const std::int64_t resumed_from = done;
    while (done < steps) {
      if (ctx.stop().stop_requested() || !ctx.sleep_for(milliseconds{step_ms}))
        return handler_result::transient(
            "interrupted",
            "stopped after " + std::to_string(done) + " of " + std::to_string(steps) + " steps");
      ++done;
      ctx.save_checkpoint(boost::json::object{{"done", done}});
      ctx.report_progress(100.0 * static_cast<double>(done) / static_cast<double>(steps),
                          "step " + std::to_string(done) + "/" + std::to_string(steps));
    }
    return handler_result::ok(
        boost::json::object{{"steps", steps}, {"resumed_from", resumed_from}});
  };
  return t;
}

}  // namespace jobforge::handlers

#pragma once
// Shared helpers for the runtime tests: the demo types plus test types with
// handlers defined in the tests, on the simulated runtime.

#include "../support/demo_registry.hpp"
#include "model/job_codec.hpp"
#include "testing/simulated_runtime.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <string>

namespace jobforge::test {

/// A request for `type` with a JSON payload text.
inline job_request request(std::string type, const char* payload = "{}") {
  job_request r;
  r.type = std::move(type);
  r.payload = boost::json::parse(payload);
  return r;
}

/// Submits and returns the job, failing the test on an error.
inline job submit_ok(testing::simulated_runtime& rt, job_request r) {
  auto s = rt.submit(std::move(r));
  INFO((s ? std::string("ok") : to_string(s.error_value())));
  REQUIRE(s.has_value());
  return s->value;
}

/// The current job, failing the test if absent.
inline job fetch(testing::simulated_runtime& rt, const job_id& id) {
  auto j = rt.get(id);
  INFO((j ? std::string("ok") : to_string(j.error_value())));
  REQUIRE(j.has_value());
  return *j;
}

/// The statuses a job went through, from its history.
inline std::vector<job_status> path_of(const job& j) {
  std::vector<job_status> out;
  for (const auto& h : j.history)
    out.push_back(h.to);
  return out;
}

/// Whether a history is a valid path through the status machine (an entry
/// whose `from` and `to` are both the status it was in is a note, e.g. a
/// priority change, not a transition).
inline bool valid_history(const job& j) {
  if (j.history.empty() || j.history.front().from || !is_initial(j.history.front().to))
    return false;
  for (std::size_t i = 1; i < j.history.size(); ++i) {
    const auto& h = j.history[i];
    if (!h.from || *h.from != j.history[i - 1].to) return false;
    if (*h.from != h.to && !may_transition(*h.from, h.to)) return false;
  }
  return j.history.back().to == j.status;
}

/// A test type that sleeps `seconds` one second at a time and ignores its
/// stop token (a handler the runtime must abandon); its result says whether
/// a stop was asked for.
inline job_type stubborn_type() {
  using namespace std::chrono_literals;
  job_type t;
  t.name = "stubborn";
  t.schema = boost::json::parse(R"({"type": "object", "required": ["seconds"]})");
  t.sample_payload = boost::json::parse(R"({"seconds": 1})");
  t.handler = [](handler_context& ctx, const boost::json::value& payload) {
    const auto seconds = payload.at("seconds").to_number<int>();
    for (int i = 0; i < seconds; ++i)
      (void)ctx.sleep_for(1s);
    return handler_result::ok(boost::json::object{{"ignored_stop", ctx.stop().stop_requested()}});
  };
  return t;
}

/// A coordinator without executors of its own: every attempt runs on a node.
inline runtime_config coordinator_only() {
  runtime_config config;
  config.executors = 0;
  config.node = "coordinator";
  return config;
}

}  // namespace jobforge::test

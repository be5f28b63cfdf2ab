// Numbers JSON cannot carry never reach a job through the runtime: a
// submission with one is refused, and a handler that returns one (as its
// result, its checkpoint or its progress) fails that attempt with a clear
// error instead of leaving a job no store could write.
#include "model/job_json_text.hpp"
#include "runtime_fixture.hpp"

#include <cmath>
#include <limits>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

job_type type_named(std::string name, handler_fn handler) {
  job_type t;
  t.name = std::move(name);
  t.schema = boost::json::parse(R"({"type": "object"})");
  t.defaults.max_attempts = 3;
  t.handler = std::move(handler);
  return t;
}

job_type_registry registry() {
  return demo_registry([](job_type_registry& types) {
    REQUIRE(
        types.add(type_named("infinite.result", [](handler_context&, const boost::json::value&) {
          return handler_result::ok(boost::json::object{{"ratio", inf}});
        })));
    REQUIRE(
        types.add(type_named("nan.checkpoint", [](handler_context& ctx, const boost::json::value&) {
          ctx.save_checkpoint(boost::json::object{{"done", 1}});
          ctx.report_progress(not_a_number, "half");
          ctx.save_checkpoint(boost::json::object{{"done", boost::json::array{not_a_number}}});
          ctx.report_progress(inf, "all");
          return handler_result::ok(boost::json::object{{"fine", true}});
        })));
  });
}

// The job can be written as JSON, both as the API shows it and as stored.
void check_writable(const job& j) {
  auto shown = job_json_text(j);
  INFO((shown ? std::string() : shown.error_value().message));
  CHECK(shown);
  CHECK(job_document_text(j));
}

}  // namespace

TEST_CASE("a handler result that is not finite fails the job with invalid_result", "[non_finite]") {
  testing::simulated_runtime rt(registry());
  const job j = submit_ok(rt, request("infinite.result"));
  rt.advance(1s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  CHECK(done.attempts == 1);  // permanent: another attempt would compute the same
  REQUIRE(done.last_error);
  CHECK(done.last_error->kind == error_kind::permanent);
  CHECK(done.last_error->code == "invalid_result");
  CHECK_THAT(done.last_error->message, Catch::Contains("/ratio"));
  CHECK(done.result.is_null());
  check_writable(done);
}

TEST_CASE("a checkpoint that is not finite fails the attempt and keeps the last good one",
          "[non_finite]") {
  testing::simulated_runtime rt(registry());
  const job j = submit_ok(rt, request("nan.checkpoint"));
  rt.advance(1s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::failed);
  REQUIRE(done.last_error);
  CHECK(done.last_error->code == "invalid_checkpoint");
  CHECK_THAT(done.last_error->message, Catch::Contains("/done/0"));
  CHECK(done.checkpoint == boost::json::parse(R"({"done": 1})"));
  // Progress that is not finite is kept as a number JSON can say.
  REQUIRE(done.progress);
  CHECK(std::isfinite(done.progress->percent));
  check_writable(done);
}

TEST_CASE("a submission through the C++ API with a payload that is not finite is refused",
          "[non_finite]") {
  testing::simulated_runtime rt(registry());
  for (const double bad : {inf, -inf, not_a_number}) {
    auto r = request("echo");
    r.payload = boost::json::object{{"n", bad}};
    auto submitted = rt.submit(std::move(r));
    REQUIRE_FALSE(submitted);
    CHECK(submitted.error_value().code == error_code::invalid_argument);
    CHECK(submitted.error_value().details.at("path") == boost::json::value("/payload/n"));
  }
  auto page = rt.list(job_query{});
  REQUIRE(page);
  CHECK(page->items.empty());
}

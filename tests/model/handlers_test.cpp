#include "handlers/demo_types.hpp"
#include "model/handler.hpp"
#include "model/stop_token.hpp"
#include "testing/test_context.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

using namespace jobforge;
using jobforge::testing::run_handler_once;
using jobforge::testing::test_context;

namespace {

namespace json = boost::json;

bool mentions(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

job_type type_with(handler_fn h) {
  job_type t;
  t.name = "custom";
  t.schema = json::object{};
  t.handler = std::move(h);
  return t;
}

}  // namespace

TEST_CASE("noop completes at once with a null result", "[handlers]") {
  const auto type = handlers::noop_type();
  test_context ctx;
  auto r = run_handler_once(type, json::object{}, ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value().is_null());
  CHECK(ctx.elapsed() == milliseconds{0});
  CHECK(ctx.progress().empty());
  CHECK(ctx.checkpoints().empty());
}

TEST_CASE("echo completes with its payload as the result", "[handlers]") {
  const auto type = handlers::echo_type();
  const json::value payload =
      json::parse(R"({"message": "hello", "nested": {"list": [1, 2.5, null, "x"], "ok": true}})");
  test_context ctx;
  auto r = run_handler_once(type, payload, ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value() == payload);

  test_context ctx2;
  auto sample = run_handler_once(type, type.sample_payload, ctx2);
  REQUIRE(sample.succeeded());
  CHECK(sample.value() == type.sample_payload);
}

TEST_CASE("sleep completes after the simulated time has passed", "[handlers]") {
  const auto type = handlers::sleep_type();
  test_context ctx;
  auto r = run_handler_once(type, json::parse(R"({"ms": 5000})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(ctx.elapsed() == milliseconds{5'000});
  CHECK(r.value() == json::parse(R"({"slept_ms": 5000})"));
  CHECK_FALSE(ctx.stop().stop_requested());
}

TEST_CASE("sleep stopped early fails with a transient 'interrupted' error", "[handlers]") {
  const auto type = handlers::sleep_type();

  SECTION("canceled mid-way") {
    test_context ctx;
    ctx.stop_at(milliseconds{1'200});
    auto r = run_handler_once(type, json::parse(R"({"ms": 5000})"), ctx);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "interrupted");
    CHECK(mentions(r.error().message, "canceled"));
    CHECK(ctx.elapsed() == milliseconds{1'200});
    CHECK(ctx.stop().reason() == std::optional<stop_reason>(stop_reason::canceled));
  }
  SECTION("timed out mid-way") {
    test_context ctx;
    ctx.stop_at(milliseconds{300}, stop_reason::timeout);
    auto r = run_handler_once(type, json::parse(R"({"ms": 5000})"), ctx);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().code == "interrupted");
    CHECK(mentions(r.error().message, "timeout"));
    CHECK(ctx.elapsed() == milliseconds{300});
  }
  SECTION("already stopped before it starts") {
    test_context ctx;
    ctx.request_stop(stop_reason::shutdown);
    auto r = run_handler_once(type, json::parse(R"({"ms": 5000})"), ctx);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().code == "interrupted");
    CHECK(ctx.elapsed() == milliseconds{0});
  }
  SECTION("a stop scheduled after the sleep ends does not interrupt it") {
    test_context ctx;
    ctx.stop_at(milliseconds{6'000});
    auto r = run_handler_once(type, json::parse(R"({"ms": 5000})"), ctx);
    REQUIRE(r.succeeded());
    CHECK(ctx.elapsed() == milliseconds{5'000});
    CHECK_FALSE(ctx.stop().stop_requested());
  }
}

TEST_CASE("fail fails its first `times` attempts with the given kind and code, then succeeds",
          "[handlers]") {
  const auto type = handlers::fail_type();
  const auto payload = json::parse(R"({"times": 2, "kind": "transient", "code": "smtp_451"})");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    INFO("attempt " << attempt);
    test_context ctx(attempt);
    auto r = run_handler_once(type, payload, ctx);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "smtp_451");
    CHECK_FALSE(r.error().message.empty());
  }
  test_context third(3);
  auto r = run_handler_once(type, payload, third);
  REQUIRE(r.succeeded());
  CHECK(r.value() == json::parse(R"({"succeeded_on_attempt": 3})"));

  SECTION("permanent kind") {
    test_context ctx(1);
    auto p = run_handler_once(
        type, json::parse(R"({"times": 1, "kind": "permanent", "code": "bad"})"), ctx);
    REQUIRE_FALSE(p.succeeded());
    CHECK(p.error().kind == error_kind::permanent);
    CHECK(p.error().code == "bad");
  }
  SECTION("defaults: transient kind, code 'deliberate'") {
    test_context ctx(1);
    auto d = run_handler_once(type, json::parse(R"({"times": 1})"), ctx);
    REQUIRE_FALSE(d.succeeded());
    CHECK(d.error().kind == error_kind::transient);
    CHECK(d.error().code == "deliberate");
  }
  SECTION("times 0 succeeds on the first attempt") {
    test_context ctx(1);
    CHECK(run_handler_once(type, json::parse(R"({"times": 0})"), ctx).succeeded());
  }
}

TEST_CASE("fail with kind crash gives a crash error and never throws", "[handlers]") {
  const auto type = handlers::fail_type();
  const auto payload = json::parse(R"({"times": 1, "kind": "crash"})");
  test_context ctx(1);
  handler_result r = handler_result::ok();
  CHECK_NOTHROW(r = run_handler_once(type, payload, ctx));
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().kind == error_kind::crash);
  CHECK(r.error().code == "crash");
  CHECK(mentions(r.error().message, "deliberate failure on attempt 1"));

  test_context second(2);
  CHECK(run_handler_once(type, payload, second).succeeded());
}

TEST_CASE("a payload that does not match the type's schema never reaches the handler",
          "[handlers]") {
  int calls = 0;
  auto type = type_with([&](handler_context&, const json::value&) {
    ++calls;
    return handler_result::ok();
  });
  type.schema = json::parse(R"({"type": "object", "required": ["ms"]})");
  test_context ctx;
  auto r = run_handler_once(type, json::object{}, ctx);
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().kind == error_kind::permanent);
  CHECK(r.error().code == "invalid_payload");
  CHECK(calls == 0);

  test_context ctx2;
  auto fail = run_handler_once(handlers::fail_type(), json::parse(R"({"times": "two"})"), ctx2);
  REQUIRE_FALSE(fail.succeeded());
  CHECK(fail.error().code == "invalid_payload");
}

TEST_CASE("progress reports every step and saves a checkpoint after each", "[handlers]") {
  const auto type = handlers::progress_type();
  test_context ctx;
  auto r = run_handler_once(type, json::parse(R"({"steps": 4, "step_ms": 100})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value() == json::parse(R"({"steps": 4, "resumed_from": 0})"));
  CHECK(ctx.elapsed() == milliseconds{400});

  const auto& reports = ctx.progress();
  REQUIRE(reports.size() == 4);
  const double expected_percent[] = {25, 50, 75, 100};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("report " << i);
    CHECK(reports[i].percent == Approx(expected_percent[i]));
    CHECK(reports[i].at == milliseconds{100 * static_cast<std::int64_t>(i + 1)});
    CHECK(reports[i].stage == "step " + std::to_string(i + 1) + "/4");
  }

  const auto& checkpoints = ctx.checkpoints();
  REQUIRE(checkpoints.size() == 4);
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(checkpoints[i] == json::value(json::object{{"done", static_cast<std::int64_t>(i + 1)}}));
  REQUIRE(ctx.checkpoint() != nullptr);
  CHECK(*ctx.checkpoint() == json::parse(R"({"done": 4})"));
}

TEST_CASE("progress resumes from its checkpoint", "[handlers]") {
  const auto type = handlers::progress_type();
  test_context ctx(2);
  ctx.set_checkpoint(json::parse(R"({"done": 2})"));
  auto r = run_handler_once(type, json::parse(R"({"steps": 4, "step_ms": 100})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value() == json::parse(R"({"steps": 4, "resumed_from": 2})"));
  CHECK(ctx.elapsed() == milliseconds{200});

  const auto& reports = ctx.progress();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].percent == Approx(75));
  CHECK(reports[0].stage == "step 3/4");
  CHECK(reports[1].percent == Approx(100));
  CHECK(reports[1].stage == "step 4/4");
  REQUIRE(ctx.checkpoints().size() == 2);
  CHECK(ctx.checkpoints()[0] == json::parse(R"({"done": 3})"));
  CHECK(ctx.checkpoints()[1] == json::parse(R"({"done": 4})"));
}

TEST_CASE("progress with a checkpoint past the last step completes at once", "[handlers]") {
  const auto type = handlers::progress_type();
  test_context ctx(2);
  ctx.set_checkpoint(json::parse(R"({"done": 10})"));
  auto r = run_handler_once(type, json::parse(R"({"steps": 4, "step_ms": 100})"), ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value() == json::parse(R"({"steps": 4, "resumed_from": 4})"));
  CHECK(ctx.progress().empty());
  CHECK(ctx.elapsed() == milliseconds{0});
}

TEST_CASE("progress stopped mid-way fails transiently and a later attempt finishes the rest",
          "[handlers]") {
  const auto type = handlers::progress_type();
  const auto payload = json::parse(R"({"steps": 4, "step_ms": 100})");
  test_context first(1);
  first.stop_at(milliseconds{250});
  auto r = run_handler_once(type, payload, first);
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().kind == error_kind::transient);
  CHECK(r.error().code == "interrupted");
  CHECK(first.elapsed() == milliseconds{250});
  REQUIRE(first.progress().size() == 2);
  CHECK(first.progress().back().percent == Approx(50));
  REQUIRE(first.checkpoint() != nullptr);
  CHECK(*first.checkpoint() == json::parse(R"({"done": 2})"));

  test_context second(2);
  second.set_checkpoint(*first.checkpoint());
  auto resumed = run_handler_once(type, payload, second);
  REQUIRE(resumed.succeeded());
  CHECK(resumed.value().as_object().at("resumed_from") == json::value(2));
  REQUIRE(second.progress().size() == 2);
  CHECK(second.progress().front().percent == Approx(75));
  CHECK(second.progress().back().percent == Approx(100));
}

TEST_CASE("invoke_handler turns every failure into a classified error and never throws",
          "[handlers]") {
  test_context ctx;
  const json::value payload = json::object{{"k", 1}};

  SECTION("a result passes through") {
    auto r = invoke_handler(
        [](handler_context&, const json::value& p) { return handler_result::ok(p); }, ctx, payload);
    REQUIRE(r.succeeded());
    CHECK(r.value() == payload);
  }
  SECTION("transient_error") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) -> handler_result {
          throw transient_error("smtp_421", "server busy");
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "smtp_421");
    CHECK(r.error().message == "server busy");
  }
  SECTION("permanent_error") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) -> handler_result {
          throw permanent_error("smtp_550", "no such mailbox");
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::permanent);
    CHECK(r.error().code == "smtp_550");
    CHECK(r.error().message == "no such mailbox");
  }
  SECTION("std::runtime_error") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) -> handler_result {
          throw std::runtime_error("boom");
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::crash);
    CHECK(r.error().code == "crash");
    CHECK(mentions(r.error().message, "boom"));
  }
  SECTION("a non-standard exception (int)") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) -> handler_result { throw 42; }, ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::crash);
    CHECK(r.error().code == "crash");
    CHECK_FALSE(r.error().message.empty());
  }
  SECTION("a returned permanent error") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) {
          return handler_result::permanent("bad_input", "no recipient");
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::permanent);
    CHECK(r.error().code == "bad_input");
    CHECK(r.error().message == "no recipient");
  }
  SECTION("a returned transient error") {
    auto r = invoke_handler(
        [](handler_context&, const json::value&) {
          return handler_result::transient("net_down", "connection refused");
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::transient);
    CHECK(r.error().code == "net_down");
  }
  SECTION("an empty handler is a crash") {
    handler_fn empty;
    handler_result r = handler_result::ok();
    CHECK_NOTHROW(r = invoke_handler(empty, ctx, payload));
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::crash);
    CHECK(r.error().code == "crash");
  }
}

TEST_CASE("handlers see the attempt, the checkpoint and a logger through the context",
          "[handlers]") {
  auto type = type_with([](handler_context& c, const json::value&) {
    c.logger().info("attempt " + std::to_string(c.attempt()));
    c.save_checkpoint(json::object{{"seen", true}});
    c.report_progress(10, "start", "warming up");
    return handler_result::ok(json::value(c.attempt()));
  });
  test_context ctx(3, milliseconds{1'000});
  auto r = run_handler_once(type, json::object{}, ctx);
  REQUIRE(r.succeeded());
  CHECK(r.value() == json::value(3));
  REQUIRE(ctx.logs().size() == 1);
  CHECK(ctx.logs()[0].first == log_level::info);
  CHECK(ctx.logs()[0].second == "attempt 3");
  REQUIRE(ctx.progress().size() == 1);
  CHECK(ctx.progress()[0].stage == "start");
  CHECK(ctx.progress()[0].message == "warming up");
  REQUIRE(ctx.checkpoint() != nullptr);
  CHECK(*ctx.checkpoint() == json::parse(R"({"seen": true})"));
  CHECK(ctx.deadline() == timestamp{} + milliseconds{1'000});
}

TEST_CASE("stop_source: the first reason wins", "[handlers]") {
  stop_source source;
  const stop_token token = source.token();
  CHECK_FALSE(source.stop_requested());
  CHECK_FALSE(token.stop_requested());
  CHECK_FALSE(token.reason().has_value());

  CHECK(source.request_stop(stop_reason::timeout));
  CHECK_FALSE(source.request_stop(stop_reason::canceled));
  CHECK_FALSE(source.request_stop(stop_reason::shutdown));
  CHECK(source.stop_requested());
  CHECK(token.stop_requested());
  CHECK(token.reason() == std::optional<stop_reason>(stop_reason::timeout));
  // Tokens taken later share the same state.
  CHECK(source.token().reason() == std::optional<stop_reason>(stop_reason::timeout));
  // Once stopped, waiting returns at once.
  CHECK(token.wait_for(milliseconds{0}));
  CHECK(token.wait_for(std::chrono::hours{1}));

  CHECK(to_string(stop_reason::canceled) == "canceled");
  CHECK(to_string(stop_reason::timeout) == "timeout");
  CHECK(to_string(stop_reason::shutdown) == "shutdown");
}

TEST_CASE("stop_token: a default token never stops and a wait without a stop times out",
          "[handlers]") {
  const stop_token lone;
  CHECK_FALSE(lone.stop_requested());
  CHECK_FALSE(lone.reason().has_value());
  CHECK_FALSE(lone.wait_for(milliseconds{0}));

  stop_source source;
  CHECK_FALSE(source.token().wait_for(milliseconds{1}));
}

TEST_CASE("stop_token::wait_for wakes promptly when another thread requests a stop", "[handlers]") {
  using clock = std::chrono::steady_clock;
  const auto generous = std::chrono::milliseconds{60'000};

  SECTION("the waiter is another thread") {
    stop_source source;
    std::atomic<bool> woke{false};
    std::atomic<bool> finished{false};
    clock::duration waited{};
    std::thread waiter([&, token = source.token()] {
      const auto start = clock::now();
      woke = token.wait_for(generous);
      waited = clock::now() - start;
      finished = true;
    });
    CHECK(source.request_stop(stop_reason::canceled));
    waiter.join();
    CHECK(finished);
    CHECK(woke);
    CHECK(waited < std::chrono::seconds{30});
  }
  SECTION("the stopper is another thread") {
    stop_source source;
    const stop_token token = source.token();
    const auto start = clock::now();
    std::thread stopper([source]() mutable { source.request_stop(stop_reason::shutdown); });
    const bool stopped = token.wait_for(generous);
    const auto waited = clock::now() - start;
    stopper.join();
    CHECK(stopped);
    CHECK(waited < std::chrono::seconds{30});
    CHECK(token.reason() == std::optional<stop_reason>(stop_reason::shutdown));
  }
}

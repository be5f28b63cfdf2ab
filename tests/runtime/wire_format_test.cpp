// The messages that cross the network survive CAF's serialisation whole,
// and a message whose JSON text is damaged fails to load instead of
// arriving half-read.
#include "actors/protocol.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>

using namespace jobforge;

namespace {

struct wire_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  wire_system() {
    cfg.set("scheduler.max-threads", std::size_t{1});
    announce_wire_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  template <class T>
  std::vector<char> save(T& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{*sys, buf};
    REQUIRE_FALSE(sink(x));
    return buf;
  }

  template <class T>
  caf::error load(const std::vector<char>& buf, T& x) {
    caf::binary_deserializer source{*sys, buf};
    return source(x);
  }
};

job_id an_id() {
  auto rng = make_seeded_random(3);
  return job_id::generate(*rng);
}

}  // namespace

TEST_CASE("an attempt order crosses the wire whole", "[runtime][wire]") {
  wire_system w;
  attempt_order order;
  order.id = an_id();
  order.attempt = 3;
  order.type = "email.send";
  order.payload = boost::json::parse(R"({"to": ["a@b.c"], "n": 1.5, "deep": {"x": [null, true]}})");
  order.checkpoint = boost::json::parse(R"({"sent": 7})");
  order.started_at = from_unix_ms(1'767'225'600'123);
  order.deadline = from_unix_ms(1'767'225'630'123);
  order.lease = attempt_lease{0xfeedfacecafebeefULL, 42};
  const auto buf = w.save(order);
  attempt_order back;
  REQUIRE_FALSE(w.load(buf, back));
  CHECK(back.id == order.id);
  CHECK(back.attempt == 3);
  CHECK(back.type == "email.send");
  CHECK(back.payload == order.payload);
  CHECK(back.checkpoint == order.checkpoint);
  CHECK(back.started_at == order.started_at);
  CHECK(back.deadline == order.deadline);
  CHECK(back.lease == order.lease);
  CHECK_FALSE(back.supervisor);
}

TEST_CASE("outcomes and progress reports cross the wire whole", "[runtime][wire]") {
  wire_system w;
  attempt_outcome ok;
  ok.attempt = 2;
  ok.lease = attempt_lease{7, 9};
  ok.result = handler_result::ok(boost::json::parse(R"({"rows": 12})"));
  ok.progress = job_progress{75, "copy", "3 of 4", from_unix_ms(1'000), 250};
  ok.checkpoint = boost::json::parse("[1, 2]");
  ok.checkpoint_saved = true;
  ok.stopped = stop_reason::timeout;
  attempt_outcome back;
  REQUIRE_FALSE(w.load(w.save(ok), back));
  CHECK(back.attempt == 2);
  CHECK(back.lease == ok.lease);
  REQUIRE(back.result.succeeded());
  CHECK(back.result.value() == ok.result.value());
  REQUIRE(back.progress);
  CHECK(back.progress->percent == 75);
  CHECK(back.progress->stage == "copy");
  CHECK(back.progress->message == "3 of 4");
  CHECK(back.progress->eta_ms == 250);
  CHECK(back.checkpoint == ok.checkpoint);
  CHECK(back.checkpoint_saved);
  CHECK(back.stopped == stop_reason::timeout);
  CHECK_FALSE(back.result_file);

  attempt_outcome failed;
  failed.attempt = 1;
  failed.result = handler_result::failure({"smtp_421", "try later", error_kind::transient, 30'000});
  attempt_outcome failed_back;
  REQUIRE_FALSE(w.load(w.save(failed), failed_back));
  REQUIRE_FALSE(failed_back.result.succeeded());
  CHECK(failed_back.result.error() == failed.result.error());
  CHECK_FALSE(failed_back.progress);
  CHECK_FALSE(failed_back.stopped);

  progress_report report{4, attempt_lease{1, 2}, job_progress{10, "s", "m", from_unix_ms(5), {}},
                         boost::json::parse(R"({"k": "v"})"), true};
  progress_report report_back;
  REQUIRE_FALSE(w.load(w.save(report), report_back));
  CHECK(report_back.attempt == 4);
  CHECK(report_back.lease == report.lease);
  CHECK(report_back.progress.stage == "s");
  CHECK_FALSE(report_back.progress.eta_ms);
  CHECK(report_back.checkpoint == report.checkpoint);
}

TEST_CASE("a handler's log line crosses the wire whole", "[runtime][wire]") {
  wire_system w;
  attempt_log line{3, attempt_lease{5, 8}, log_level::warn, "disk at 91% \xc3\xa9", 12};
  attempt_log back;
  REQUIRE_FALSE(w.load(w.save(line), back));
  CHECK(back.attempt == 3);
  CHECK(back.lease == line.lease);
  CHECK(back.level == log_level::warn);
  CHECK(back.text == line.text);
  CHECK(back.held_back == 12);
}

TEST_CASE("a join and its answer cross the wire whole", "[runtime][wire]") {
  wire_system w;
  join_request req;
  req.node = "w1";
  req.boot_id = "b00t";
  req.token = "secret";
  req.host = "host-1";
  req.types = {"noop", "echo"};
  req.capacity = 16;
  join_request back;
  REQUIRE_FALSE(w.load(w.save(req), back));
  CHECK(back.protocol_version == cluster_protocol_version);
  CHECK(back.node == "w1");
  CHECK(back.token == "secret");
  CHECK(back.types == req.types);
  CHECK(back.capacity == 16);

  executor_offer offer{"w1", 99, std::vector<std::string>{"noop"}, {}, {}};
  executor_offer offer_back;
  REQUIRE_FALSE(w.load(w.save(offer), offer_back));
  CHECK(offer_back.session == 99);
  REQUIRE(offer_back.types);
  CHECK(*offer_back.types == std::vector<std::string>{"noop"});
  executor_offer all_types{"local", 0, std::nullopt, {}, {}};
  REQUIRE_FALSE(w.load(w.save(all_types), offer_back));
  CHECK_FALSE(offer_back.types);
}

TEST_CASE("a message whose JSON text is damaged fails to load", "[runtime][wire]") {
  wire_system w;
  attempt_order order;
  order.id = an_id();
  order.type = "echo";
  order.payload = boost::json::string("XYZW");
  auto buf = w.save(order);
  const std::string marker = "\"XYZW\"";
  auto at = std::search(buf.begin(), buf.end(), marker.begin(), marker.end());
  REQUIRE(at != buf.end());
  *at = '{';  // now `{XYZW"`: not JSON
  attempt_order back;
  CHECK(w.load(buf, back));
}

TEST_CASE("a result's chunks and its summary cross the wire whole", "[runtime][wire]") {
  wire_system w;
  result_chunk chunk{an_id(), 2, attempt_lease{5, 6}, 262'144, {}};
  for (int i = 0; i < 1000; ++i)
    chunk.bytes.push_back(static_cast<char>(i * 31));
  result_chunk back;
  REQUIRE_FALSE(w.load(w.save(chunk), back));
  CHECK(back.id == chunk.id);
  CHECK(back.attempt == 2);
  CHECK(back.lease == chunk.lease);
  CHECK(back.offset == 262'144);
  CHECK(back.bytes == chunk.bytes);

  attempt_outcome out;
  out.result = handler_result::ok(boost::json::object{{"stored_as_file", true}});
  out.streamed = streamed_result{1'234'567, std::string(64, 'a'), "application/gzip", false};
  attempt_outcome out_back;
  REQUIRE_FALSE(w.load(w.save(out), out_back));
  REQUIRE(out_back.streamed);
  CHECK(out_back.streamed->size == 1'234'567);
  CHECK(out_back.streamed->sha256 == std::string(64, 'a'));
  CHECK(out_back.streamed->content_type == "application/gzip");
  CHECK_FALSE(out_back.streamed->json);
}

TEST_CASE("a node link's batches cross the wire whole, in order", "[runtime][wire]") {
  wire_system w;
  std::vector<routed_order> orders(3);
  for (int i = 0; i < 3; ++i) {
    orders[i].order.id = an_id();
    orders[i].order.attempt = i + 1;
    orders[i].order.type = "noop";
    orders[i].order.payload = boost::json::object{{"i", i}};
    orders[i].order.lease = attempt_lease{5, static_cast<std::uint64_t>(100 + i)};
  }
  std::vector<routed_order> orders_back;
  REQUIRE_FALSE(w.load(w.save(orders), orders_back));
  REQUIRE(orders_back.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(orders_back[i].order.attempt == i + 1);
    CHECK(orders_back[i].order.payload.at("i").as_int64() == i);
    CHECK(orders_back[i].order.lease == orders[i].order.lease);
    CHECK_FALSE(orders_back[i].executor);
  }

  std::vector<attempt_outcome> outcomes(2);
  outcomes[0].lease = attempt_lease{5, 100};
  outcomes[0].result = handler_result::ok(boost::json::parse(R"({"a": 1})"));
  outcomes[1].lease = attempt_lease{5, 101};
  outcomes[1].result = handler_result::failure({"boom", "it broke", error_kind::transient});
  std::vector<attempt_outcome> outcomes_back;
  REQUIRE_FALSE(w.load(w.save(outcomes), outcomes_back));
  REQUIRE(outcomes_back.size() == 2);
  CHECK(outcomes_back[0].lease == outcomes[0].lease);
  CHECK(outcomes_back[1].lease == outcomes[1].lease);
  CHECK(outcomes_back[0].result.succeeded());
  CHECK_FALSE(outcomes_back[1].result.succeeded());
}

// What a peer's bytes can hold but no honest peer sends: each is refused on
// arrival, so that nothing the rest of the process cannot handle gets in
// (inputs found by tests/fuzz/wire_format_fuzzer.cpp, kept in
// tests/fuzz/corpus/wire_format/).

TEST_CASE("an enum value no enumerator names fails to load", "[runtime][wire]") {
  wire_system w;
  attempt_log line{1, attempt_lease{5, 8}, static_cast<log_level>(7), "x", 0};
  attempt_log line_back;
  CHECK(w.load(w.save(line), line_back));

  attempt_outcome failed;
  failed.result = handler_result::failure({"c", "m", static_cast<error_kind>(5), {}});
  attempt_outcome failed_back;
  CHECK(w.load(w.save(failed), failed_back));

  attempt_outcome stopped;
  stopped.stopped = static_cast<stop_reason>(3);
  attempt_outcome stopped_back;
  CHECK(w.load(w.save(stopped), stopped_back));
  stopped.stopped = stop_reason::shutdown;
  CHECK_FALSE(w.load(w.save(stopped), stopped_back));
}

TEST_CASE("a progress report or error a job could not keep fails to load", "[runtime][wire]") {
  wire_system w;
  const auto load_report = [&](const job_progress& p) {
    progress_report report{1, attempt_lease{1, 2}, p, nullptr, false};
    progress_report back;
    return w.load(w.save(report), back);
  };
  CHECK_FALSE(load_report(job_progress{100, "s", "m", max_timestamp, 0}));
  CHECK_FALSE(load_report(job_progress{0, "s", "m", min_timestamp, {}}));
  CHECK(load_report(job_progress{100.5, "s", "m", from_unix_ms(0), {}}));
  CHECK(load_report(job_progress{-1, "s", "m", from_unix_ms(0), {}}));
  CHECK(load_report(job_progress{50, "s", "m", max_timestamp + milliseconds{1}, {}}));
  CHECK(load_report(job_progress{50, "s", "m", min_timestamp - milliseconds{1}, {}}));
  CHECK(load_report(job_progress{50, "s", "m", from_unix_ms(0), -1}));

  attempt_outcome failed;
  failed.result = handler_result::failure({"c", "m", error_kind::transient, -5});
  attempt_outcome back;
  CHECK(w.load(w.save(failed), back));
}

TEST_CASE("an outcome naming a result file fails to load", "[runtime][wire]") {
  // A worker node keeps no results folder; the coordinator would serve
  // whatever file the node named as the job's result.
  wire_system w;
  attempt_outcome out;
  out.result = handler_result::ok(nullptr);
  out.result_file = result_blob{"/etc/passwd", 1, std::string(64, 'a'), "text/plain"};
  attempt_outcome back;
  CHECK(w.load(w.save(out), back));
}

TEST_CASE("a JSON field holding a number out of range fails to load", "[runtime][wire]") {
  wire_system w;
  attempt_order order;
  order.id = an_id();
  order.type = "echo";
  order.payload = boost::json::array{12345};
  auto buf = w.save(order);
  const std::string marker = "12345";
  auto at = std::search(buf.begin(), buf.end(), marker.begin(), marker.end());
  REQUIRE(at != buf.end());
  std::copy_n("1e400", 5, at);  // parses as infinity, which no JSON text can carry
  attempt_order back;
  CHECK(w.load(buf, back));
}

TEST_CASE("a result chunk whose length claims more bytes than it holds fails to load",
          "[runtime][wire]") {
  wire_system w;
  result_chunk chunk{an_id(), 1, attempt_lease{5, 6}, 0, {'a', 'b', 'c'}};
  auto buf = w.save(chunk);
  // The bytes go as a string goes: a varbyte length, then the bytes.
  std::vector<char> as_string;
  {
    caf::binary_serializer sink{*w.sys, as_string};
    REQUIRE_FALSE(sink(chunk.id, chunk.attempt, chunk.lease, chunk.offset, std::string("abc")));
  }
  CHECK(buf == as_string);
  // Its length, 3, becomes 4 GiB - 1: the message still holds only 3 bytes.
  REQUIRE(buf.size() > 4);
  REQUIRE(buf[buf.size() - 4] == 3);
  buf.erase(buf.end() - 4);
  for (const char c : {'\xff', '\xff', '\xff', '\xff', '\x0f'})
    buf.insert(buf.end() - 3, c);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  result_chunk back;
  caf::error loaded;
  CHECK_NOTHROW(loaded = w.load(buf, back));
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  CHECK(loaded);
  // Peak resident KiB: the 4 GiB the length claims were never allocated.
  CHECK(after.ru_maxrss - before.ru_maxrss < 256 * 1024);
}

// tests/fuzz/corpus/wire_format/crash_double_drift_checkpoint: Boost.JSON
// 1.81 read this checkpoint's number one bit higher at every hop, so a job
// sent to a worker node and back changed its data (model/exact_json_parse.hpp).
TEST_CASE("a number in a JSON field is the same double after any number of hops",
          "[runtime][wire]") {
  wire_system w;
  progress_report report{1, attempt_lease{1, 1}, job_progress{50, "", "", from_unix_ms(5), {}},
                         boost::json::array{9.999999990000002e40, 0.1, 9.99e56}, false};
  auto bytes = w.save(report);
  for (int hop = 0; hop < 4; ++hop) {
    progress_report back;
    REQUIRE_FALSE(w.load(bytes, back));
    CHECK(back.checkpoint == report.checkpoint);
    const auto again = w.save(back);
    CHECK(again == bytes);
    bytes = again;
  }
}

// Numbers that are not finite (1e400 parses as infinity; NaN arises from
// arithmetic) have no JSON spelling. Every writer of the model must refuse
// them, naming where they sit, and write every finite double so that it
// parses back to the same number: checked over random doubles and the edges
// (max, lowest, min, denormals, -0, 1e308 * 10). Parsing refuses them too.

#include "model/finite_json.hpp"
#include "codec_test_support.hpp"
#include "model/canonical_json.hpp"
#include "model/handler.hpp"
#include "model/job_json_text.hpp"
#include "model/non_finite_repair.hpp"
#include "testing/test_context.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace jobforge::codec_test {
namespace {

using limits = std::numeric_limits<double>;

// The edges, then doubles from random bit patterns (every exponent equally
// likely, denormals, infinities and NaNs included) and random magnitudes.
std::vector<double> doubles_to_try() {
  volatile double big = 1e308;  // volatile: computed at run time, like a handler would
  std::vector<double> out = {limits::max(),
                             limits::lowest(),
                             limits::min(),
                             -limits::min(),
                             limits::denorm_min(),
                             -limits::denorm_min(),
                             limits::min() - limits::denorm_min(),  // the largest denormal
                             limits::epsilon(),
                             0.0,
                             -0.0,
                             1.0,
                             -1.5,
                             0.1,
                             1e308,
                             big * 10,
                             -big * 10,
                             limits::infinity(),
                             -limits::infinity(),
                             limits::quiet_NaN(),
                             -limits::quiet_NaN(),
                             limits::signaling_NaN()};
  auto rng = make_seeded_random(0x1e400);
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t bits = rng->next_u64();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    out.push_back(d);
    const double magnitude = std::pow(10.0, rng->uniform01() * 600 - 300);
    out.push_back(rng->uniform01() < 0.5 ? -magnitude : magnitude);
  }
  return out;
}

// The number written right after `key` in `text`, read exactly (from_chars
// rounds correctly; Boost.JSON 1.81's parser is off by up to 2 ULP for about
// a third of random doubles, so it cannot judge the writer's precision).
std::optional<double> number_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return std::nullopt;
  const char* first = text.data() + at + key.size();
  double d = 0;
  const auto r = std::from_chars(first, text.data() + text.size(), d);
  if (r.ec != std::errc{}) return std::nullopt;
  return d;
}

// Written as exactly `d` (a text may keep or drop the sign of zero; both
// read as zero), and read back by Boost.JSON as a double within 2 ULP.
void check_written(const std::string& text, const std::string& key, const json::value& back,
                   double d) {
  INFO(key << " in " << text);
  CHECK(number_after(text, key) == std::optional<double>(d));
  const double read = back.is_double()  ? back.get_double()
                      : back.is_int64() ? static_cast<double>(back.get_int64())
                                        : static_cast<double>(back.get_uint64());
  CHECK((back.is_double() || back.is_int64() || back.is_uint64()));
  double low = d;
  double high = d;
  for (int i = 0; i < 2; ++i) {
    low = std::nextafter(low, -limits::infinity());
    high = std::nextafter(high, limits::infinity());
  }
  CHECK((read >= low && read <= high));
}

json::value parsed(const std::string& text) {
  INFO(text);
  auto v = parse_json(text, 1 << 20);
  REQUIRE(v);
  return std::move(v).value();
}

void check_refused(const expected<std::string>& written, const std::string& path) {
  REQUIRE_FALSE(written);
  CHECK(written.error_value().code == error_code::invalid_argument);
  CHECK_THAT(written.error_value().message, Catch::Contains(path));
}

// A job carrying `d` wherever a job holds a number: the free-form parts and
// the fields its writer spells itself.
job job_with(double d) {
  job j = full_job();
  j.payload = json::object{{"n", d}, {"s", "Infinity"}};
  j.result = json::array{1, d};
  j.checkpoint = json::object{{"deep", json::object{{"a/b", d}}}};
  j.retry.multiplier = d;
  j.retry.jitter = d;
  j.progress->percent = d;
  return j;
}

}  // namespace

TEST_CASE("every writer writes each finite double so that it parses back to the same number",
          "[codec][non_finite]") {
  std::size_t finite = 0;
  for (const double d : doubles_to_try()) {
    if (!std::isfinite(d)) continue;
    ++finite;
    INFO("d = " << d);
    const json::value doc = json::object{{"n", d}};

    auto text = json_text(doc);
    REQUIRE(text);
    check_written(*text, "\"n\":", parsed(*text).at("n"), d);

    auto canonical = canonical_json(doc);
    REQUIRE(canonical);
    check_written(*canonical, "\"n\":", parsed(*canonical).at("n"), d);

    const job j = job_with(d);
    for (const auto& written : {job_json_text(j), job_document_text(j)}) {
      REQUIRE(written);
      const json::value back = parsed(*written);
      check_written(*written, "\"n\":", back.at("payload").at("n"), d);
      check_written(*written, "\"result\":[1,", back.at("result").at(1), d);
      check_written(*written, "\"a/b\":", back.at("checkpoint").at("deep").at("a/b"), d);
      check_written(*written, "\"multiplier\":", back.at("retry").at("multiplier"), d);
      check_written(*written, "\"percent\":", back.at("progress").at("percent"), d);
      // A double stays a double, whatever its value.
      CHECK(back.at("retry").at("jitter").is_double());
    }
  }
  CHECK(finite > 5000);
}

TEST_CASE("every writer refuses a number that is not finite and names its path",
          "[codec][non_finite]") {
  std::size_t refused = 0;
  for (const double d : doubles_to_try()) {
    if (std::isfinite(d)) continue;
    ++refused;
    INFO("d = " << d);
    const json::value doc = json::object{{"a", json::array{true, json::object{{"n", d}}}}};
    check_refused(json_text(doc), "/a/1/n");
    check_refused(canonical_json(doc), "/a/1/n");
    check_refused(json_text(json::value(d)), "the document");

    // Each place of a job on its own, so that each is named.
    const job clean = full_job();
    const auto refuse_both = [](const job& j, const std::string& path) {
      check_refused(job_json_text(j), path);
      check_refused(job_document_text(j), path);
    };
    job j = clean;
    j.payload = json::object{{"n", d}};
    refuse_both(j, "/payload/n");
    j = clean;
    j.result = json::array{1, d};
    refuse_both(j, "/result/1");
    j = clean;
    j.checkpoint = json::object{{"a/b", d}};
    refuse_both(j, "/checkpoint/a~1b");
    j = clean;
    j.retry.multiplier = d;
    refuse_both(j, "/retry/multiplier");
    j = clean;
    j.retry.jitter = d;
    refuse_both(j, "/retry/jitter");
    j = clean;
    j.progress->percent = d;
    refuse_both(j, "/progress/percent");
  }
  CHECK(refused >= 6);
}

TEST_CASE("find_non_finite gives the JSON Pointer of the first such number",
          "[codec][non_finite]") {
  const double inf = limits::infinity();
  CHECK_FALSE(find_non_finite(json::parse(R"({"a":[1,2.5,{"b":null}],"c":"Infinity"})")));
  CHECK(find_non_finite(json::value(inf)) == std::optional<std::string>(""));
  CHECK(find_non_finite(json::object{{"x", 1}, {"n", inf}}) == std::optional<std::string>("/n"));
  CHECK(find_non_finite(json::array{0, json::array{limits::quiet_NaN()}}) ==
        std::optional<std::string>("/1/0"));
  CHECK(find_non_finite(json::object{{"~/", inf}}) == std::optional<std::string>("/~0~1"));
  auto ok = require_finite(json::object{{"n", -inf}}, "/payload");
  REQUIRE_FALSE(ok);
  CHECK(ok.error_value().details.at("path") == json::value("/payload/n"));
}

TEST_CASE("parsing refuses a number out of range, naming its path", "[codec][non_finite]") {
  for (const char* text : {R"({"payload":{"n":1e400}})", R"({"payload":{"n":-1e400}})",
                           R"({"payload":{"n":1e309}})"}) {
    INFO(text);
    auto v = parse_json(text, 1 << 20);
    REQUIRE_FALSE(v);
    CHECK(v.error_value().code == error_code::invalid_argument);
    CHECK(v.error_value().details.at("path") == json::value("/payload/n"));
  }
  // Tiny magnitudes round to zero or a denormal, which JSON can say.
  for (const char* text :
       {"1e-400", "4.9e-324", "2.2250738585072014e-308", "-0", "1.7976931348623157e308"})
    CHECK(parse_json(text, 1 << 20));

  // The strict reader refuses them in typed fields whatever their source.
  auto retry = retry_settings_from_json(json::object{{"initial_backoff_ms", 1},
                                                     {"max_backoff_ms", 2},
                                                     {"multiplier", limits::infinity()},
                                                     {"jitter", 0.5}});
  REQUIRE_FALSE(retry);
  CHECK_THAT(retry.error_value().message, Catch::Contains("multiplier"));
}

TEST_CASE("a handler's result or checkpoint that is not finite fails the attempt",
          "[codec][non_finite][handlers]") {
  testing::test_context ctx;
  const json::value payload = json::object{};
  for (const double d : {limits::infinity(), -limits::infinity(), limits::quiet_NaN()}) {
    auto r = invoke_handler(
        [d](handler_context&, const json::value&) {
          return handler_result::ok(json::object{{"n", d}});
        },
        ctx, payload);
    REQUIRE_FALSE(r.succeeded());
    CHECK(r.error().kind == error_kind::permanent);
    CHECK(r.error().code == "invalid_result");
    CHECK_THAT(r.error().message, Catch::Contains("/n"));
  }
  // A finite result passes through untouched, and an error result is not looked at.
  auto fine = invoke_handler(
      [](handler_context&, const json::value&) { return handler_result::ok(json::value(1e308)); },
      ctx, payload);
  CHECK(fine.succeeded());
  auto checkpoint = unrepresentable_json("checkpoint", json::array{limits::quiet_NaN()});
  REQUIRE(checkpoint);
  CHECK(checkpoint->code == "invalid_checkpoint");
  CHECK(checkpoint->kind == error_kind::permanent);
  CHECK_THAT(checkpoint->message, Catch::Contains("/0"));
  CHECK_FALSE(unrepresentable_json("checkpoint", json::array{1.5}));
}

TEST_CASE("repair_non_finite_tokens replaces Infinity and NaN outside strings with null",
          "[codec][non_finite]") {
  CHECK_FALSE(repair_non_finite_tokens(R"({"a":[1,2.5E0],"s":"Infinity"})"));
  CHECK(repair_non_finite_tokens(R"({"n":Infinity,"m":-Infinity,"r":[NaN,1]})") ==
        std::optional<std::string>(R"({"n":null,"m":null,"r":[null,1]})"));
  // Strings are skipped, escaped quotes included.
  CHECK(repair_non_finite_tokens(R"({"s":"a \"NaN\" -Infinity","n":NaN})") ==
        std::optional<std::string>(R"({"s":"a \"NaN\" -Infinity","n":null})"));
  CHECK(repair_non_finite_tokens(R"(["\\",Infinity])") ==
        std::optional<std::string>(R"(["\\",null])"));
  // What Boost.JSON wrote for each non-finite double repairs to JSON.
  for (const double d : {limits::infinity(), -limits::infinity(), limits::quiet_NaN()}) {
    const json::value doc = json::object{{"x", json::array{d, "Infinity", 2}}};
    const std::string old_text = json::serialize(doc);
    auto repaired = repair_non_finite_tokens(old_text);
    REQUIRE(repaired);
    CHECK(parsed(*repaired) == json::object{{"x", json::array{nullptr, "Infinity", 2}}});
  }
}

TEST_CASE("the test kit refuses a checkpoint JSON cannot hold, as the runtime does",
          "[codec][non_finite][handlers]") {
  job_type t;
  t.name = "checkpointer";
  t.handler = [](handler_context& ctx, const json::value&) {
    ctx.save_checkpoint(json::object{{"done", 1}});
    ctx.save_checkpoint(json::object{{"rate", limits::infinity()}});
    return handler_result::ok(json::object{{"ok", true}});
  };
  testing::test_context ctx;
  const auto r = testing::run_handler_once(t, json::object{}, ctx);
  REQUIRE_FALSE(r.succeeded());
  CHECK(r.error().code == "invalid_checkpoint");
  REQUIRE(ctx.refused_checkpoint());
  CHECK_THAT(ctx.refused_checkpoint()->message, Catch::Contains("/rate"));
  // The good checkpoint before it is the one kept.
  REQUIRE(ctx.checkpoint());
  CHECK(*ctx.checkpoint() == json::parse(R"({"done": 1})"));
  CHECK(ctx.checkpoints().size() == 1);
}

}  // namespace jobforge::codec_test

// The payload validator with random schemas and payloads: the input is a
// JSON array [schema, payload, ...]. Compiling any schema gives a validator
// or an `invalid_schema` error; validating any payload succeeds or lists
// violations, each with a JSON path; nothing throws or crashes.

#include "fuzz_check.hpp"
#include "model/ecma_pattern.hpp"
#include "model/exact_json_parse.hpp"
#include "model/payload_validator.hpp"
#include "model/schema_preflight.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace jobforge;
namespace json = boost::json;

namespace {

// A pattern RE2 takes is matched in linear time, whatever its length. One
// that needs a lookahead or back-reference keeps std::regex, which
// backtracks exponentially on nested repetition: a long one of those can
// run for seconds, which libFuzzer reports as a hang. Such patterns come
// from whoever defines a job type (an operator), not from submitters; they
// are left out here so that the fuzzer spends its time on our code.
// tests/fuzz/README.md says so.
constexpr std::size_t longest_backtracking_pattern = 24;

bool has_long_backtracking_pattern(const json::value& schema) {
  for (const auto& source : patterns_of(schema)) {
    if (source.size() <= longest_backtracking_pattern) continue;
    auto p = ecma_pattern::compile(source);
    if (p && !p->linear()) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json::error_code ec;
  const json::value v = parse_json_exactly(text, ec);
  if (ec) return 0;
  // A bare value is a schema validated against itself.
  const json::array* items = v.if_array();
  const json::value& schema = items && !items->empty() ? items->front() : v;
  if (has_long_backtracking_pattern(schema)) return 0;
  auto validator = payload_validator::compile(schema);
  if (!validator) {
    FUZZ_CHECK(validator.error_value().code == error_code::invalid_schema);
    return 0;
  }
  auto check = [&](const json::value& payload) {
    auto ok = validator->validate(payload);
    if (ok) return;
    const auto& e = ok.error_value();
    FUZZ_CHECK(e.code == error_code::schema_violation);
    const auto* violations =
        e.details.is_object() ? e.details.as_object().if_contains("violations") : nullptr;
    if (!violations) return;  // valijson threw: the message says why
    for (const auto& violation : violations->as_array()) {
      const auto& path = violation.as_object().at("path").as_string();
      FUZZ_CHECK(!path.empty() && path.front() == '$');
    }
  };
  if (items && items->size() > 1) {
    for (std::size_t i = 1; i < items->size(); ++i)
      check((*items)[i]);
  } else {
    check(v);
  }
  return 0;
}

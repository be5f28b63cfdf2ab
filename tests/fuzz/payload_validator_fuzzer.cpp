// The payload validator with random schemas and payloads: the input is a
// JSON array [schema, payload, ...]. Compiling any schema gives a validator
// or an `invalid_schema` error; validating any payload succeeds or lists
// violations, each with a JSON path; nothing throws or crashes.

#include "fuzz_check.hpp"
#include "model/exact_json_parse.hpp"
#include "model/payload_validator.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace jobforge;
namespace json = boost::json;

namespace {

// std::regex (which the validator compiles `pattern` and
// `patternProperties` with) backtracks exponentially on long patterns with
// nested repetition: a pattern of a few hundred characters can run for
// seconds, which libFuzzer reports as a hang. Patterns come from whoever
// defines a job type (an operator), not from submitters; they are left out
// here so that the fuzzer spends its time on our code. tests/fuzz/README.md
// says so.
constexpr std::size_t longest_pattern = 24;

bool has_long_pattern(const json::value& v) {
  if (const auto* array = v.if_array()) {
    for (const auto& item : *array)
      if (has_long_pattern(item)) return true;
  } else if (const auto* object = v.if_object()) {
    for (const auto& field : *object) {
      if (field.key() == "pattern" && field.value().is_string() &&
          field.value().get_string().size() > longest_pattern)
        return true;
      if (field.key() == "patternProperties" && field.value().is_object())
        for (const auto& p : field.value().get_object())
          if (p.key().size() > longest_pattern) return true;
      if (has_long_pattern(field.value())) return true;
    }
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
  if (has_long_pattern(schema)) return 0;
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

// The job JSON codec, both directions: any bytes decode to a value or an
// error without crashing, and whatever decodes re-encodes to JSON that
// decodes again to the same value (encoding is a fixed point).

#include "fuzz_check.hpp"
#include "model/exact_json_parse.hpp"
#include "model/finite_json.hpp"
#include "model/job_codec.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using namespace jobforge;

/// Decodes `v` with `decode`; when it succeeds, its encoding must survive
/// the text form, decoding again every time, and settle.
template <class Decode>
void round_trip(const json::value& v, Decode decode) {
  auto first = decode(v);
  if (!first) {
    FUZZ_CHECK(!first.error_value().message.empty());
    return;
  }
  check_settles(json::serialize(to_json(*first)), [&](const std::string& text) {
    auto again = decode(parse_json_exactly(text));
    FUZZ_CHECK(again);
    return json::serialize(to_json(*again));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json::error_code ec;
  const json::value v = parse_json_exactly(text, ec);
  // As every entry point reads JSON (json_text.hpp, the HTTP body): a number
  // that is not finite (1e400) is refused before any decoder sees it.
  if (ec || find_non_finite(v)) return 0;
  round_trip(v, job_from_json);
  round_trip(v, job_request_from_json);
  round_trip(v, history_entry_from_json);
  round_trip(v, job_progress_from_json);
  round_trip(v, job_error_from_json);
  round_trip(v, retry_settings_from_json);
  // An error envelope is only decoded, from another process's answer.
  if (auto e = error_from_envelope(v)) {
    auto again = error_from_envelope(error_envelope(e->cause));
    FUZZ_CHECK(again);
    FUZZ_CHECK(error_envelope(again->cause) == error_envelope(e->cause));
  }
  return 0;
}

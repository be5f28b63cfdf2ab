#include "handlers/http_retry_after.hpp"

#include "handlers/blank_trim.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace jobforge::handlers {

namespace {

// Far beyond any backoff the runtime allows (it clamps), yet small enough
// that the arithmetic below cannot overflow.
constexpr std::int64_t longest_wait_s = 1'000'000'000;

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim_blanks(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > longest_wait_s) return milliseconds{longest_wait_s * 1000};
    }
    return milliseconds{seconds * 1000};
  }
  // curl_getdate reads all three HTTP-date forms (IMF-fixdate, RFC 850,
  // asctime) and needs a NUL-terminated copy.
  const std::string text{value};
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  const auto wait =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(at) - now);
  return std::clamp(wait, milliseconds{0}, milliseconds{longest_wait_s * 1000});
}

}  // namespace jobforge::handlers

#include "handlers/http_response_json.hpp"
#include "model/exact_json_parse.hpp"

#include "handlers/http_encoding.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace jobforge::handlers {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> always_captured = {"content-type", "content-length",
                                                             "location", "etag", "retry-after"};

// The length of the longest prefix of `s` that is well-formed UTF-8 (no
// overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t valid_utf8_prefix(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + extra >= s.size()) return i;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += extra + 1;
  }
  return i;
}

bool is_json_media_type(std::string type) {
  type = type.substr(0, type.find(';'));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!type.empty() && type.back() == ' ')
    type.pop_back();
  const auto ends_with = [&](std::string_view tail) {
    return type.size() >= tail.size() &&
           type.compare(type.size() - tail.size(), tail.size(), tail) == 0;
  };
  return type == "application/json" || ends_with("+json");
}

json::object captured_headers(const http_exchange_response& r,
                              const std::vector<std::string>& capture_headers) {
  json::object headers;
  const auto capture = [&](std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (auto value = r.header(name)) headers[name] = *value;
  };
  for (auto name : always_captured)
    capture(std::string(name));
  for (const auto& name : capture_headers)
    capture(name);
  return headers;
}

}  // namespace

json::object response_to_json(const http_exchange_response& r,
                              const std::vector<std::string>& capture_headers) {
  json::object result{{"status", r.status}, {"headers", captured_headers(r, capture_headers)}};
  std::string_view body = r.body;
  const std::size_t text_length = valid_utf8_prefix(body);
  // A cut may split the last character: drop its first bytes, keep the text.
  const bool split_last_char = r.truncated && text_length < body.size() &&
                               body.size() - text_length <= 3 &&
                               static_cast<unsigned char>(body[text_length]) >= 0xC2 &&
                               static_cast<unsigned char>(body[text_length]) <= 0xF4;
  if (text_length == body.size() || split_last_char)
    result["body"] = body.substr(0, text_length);
  else
    result["body_base64"] = base64_encode(body);
  if (r.truncated) result["truncated"] = true;
  const auto type = r.header("content-type");
  if (!r.truncated && type && is_json_media_type(*type)) {
    boost::json::error_code ec;
    json::value parsed = parse_json_exactly(body, ec);
    if (!ec) result["json"] = std::move(parsed);
  }
  result["elapsed_ms"] = r.elapsed_ms;
  return result;
}

}  // namespace jobforge::handlers

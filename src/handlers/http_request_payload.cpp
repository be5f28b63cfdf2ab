#include "handlers/http_request_payload.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace jobforge::handlers {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 6> methods = {"GET",   "POST",   "PUT",
                                                     "PATCH", "DELETE", "HEAD"};
constexpr std::int64_t max_timeout_ms = 3'600'000;

job_error invalid(std::string code, std::string message) {
  return job_error{std::move(code), std::move(message), error_kind::permanent, std::nullopt};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 9110's token: what a header name may be made of.
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// A CR or LF would end the header line and start one of the sender's
// choosing; a NUL would silently cut the value short.
bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos;
}

// Payload text quoted in a message, in printable ASCII so that a cut cannot
// leave broken UTF-8 in the job's error.
std::string shown_text(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 100))
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return out + (text.size() > 100 ? "...\"" : "\"");
}

std::optional<job_error> check_http_url(std::string_view field, const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https"))
    return invalid("invalid_url", std::string(field) +
                                      ": only http:// and https:// URLs are allowed, not " +
                                      shown_text(url));
  if (url.find_first_of(std::string_view{" \t\r\n\0", 5}) != std::string::npos)
    return invalid("invalid_url",
                   std::string(field) + ": contains whitespace or a control character");
  return std::nullopt;
}

const json::string* string_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v ? v->if_string() : nullptr;
}

std::optional<job_error> read_oauth2(const json::value& v, http_request_payload& p) {
  const auto* o = v.if_object();
  const auto* token_url = o ? string_field(*o, "token_url") : nullptr;
  const auto* client_id = o ? string_field(*o, "client_id") : nullptr;
  const auto* client_secret = o ? string_field(*o, "client_secret") : nullptr;
  if (!token_url || !client_id || client_id->empty() || !client_secret)
    return invalid(
        "invalid_payload",
        "oauth2: needs string fields token_url, client_id (not empty) and client_secret");
  oauth2_client_credentials c{std::string(*token_url), std::string(*client_id),
                              std::string(*client_secret), std::string()};
  if (auto bad = check_http_url("oauth2.token_url", c.token_url)) return bad;
  if (const auto* scope = o->if_contains("scope")) {
    if (!scope->is_string()) return invalid("invalid_payload", "oauth2.scope: must be a string");
    c.scope = std::string(scope->get_string());
  }
  p.oauth2 = std::move(c);
  return std::nullopt;
}

std::optional<job_error> read_headers(const json::value& v, http_request_payload& p) {
  const auto* o = v.if_object();
  if (!o) return invalid("invalid_payload", "headers: must be an object of strings");
  for (const auto& [name, value] : *o) {
    if (!is_token(name))
      return invalid("invalid_header", "headers: " + shown_text(name) + " is not a header name");
    if (!value.is_string())
      return invalid("invalid_payload", "headers." + std::string(name) + ": must be a string");
    if (has_line_break(value.get_string()))
      return invalid("invalid_header",
                     "headers." + std::string(name) + ": a CR, LF or NUL in a header value");
    p.headers.emplace_back(std::string(name), std::string(value.get_string()));
  }
  return std::nullopt;
}

std::optional<job_error> read_expected_status(const json::value& v, http_request_payload& p) {
  const auto* a = v.if_array();
  if (!a || a->empty())
    return invalid("invalid_payload", "expected_status: must be a non-empty array of statuses");
  for (const auto& s : *a) {
    if (!s.is_int64() || s.get_int64() < 100 || s.get_int64() > 599)
      return invalid("invalid_payload",
                     "expected_status: " + json::serialize(s) + " is not an HTTP status (100-599)");
    p.expected_status.push_back(static_cast<long>(s.get_int64()));
  }
  return std::nullopt;
}

std::optional<job_error> read_optional_fields(const json::object& o, http_request_payload& p) {
  if (const auto* h = o.if_contains("headers"))
    if (auto bad = read_headers(*h, p)) return bad;
  if (const auto* b = o.if_contains("body")) {
    if (p.method == "HEAD") return invalid("invalid_payload", "body: a HEAD request has no body");
    p.body = b->is_string() ? std::string(b->get_string()) : json::serialize(*b);
    p.body_content_type = b->is_string() ? "text/plain; charset=utf-8" : "application/json";
  }
  if (const auto* t = o.if_contains("timeout_ms")) {
    if (!t->is_int64() || t->get_int64() < 1 || t->get_int64() > max_timeout_ms)
      return invalid("invalid_payload",
                     "timeout_ms: must be an integer from 1 to " + std::to_string(max_timeout_ms));
    p.timeout_ms = t->get_int64();
  }
  if (const auto* s = o.if_contains("expected_status"))
    if (auto bad = read_expected_status(*s, p)) return bad;
  if (const auto* c = o.if_contains("capture_headers")) {
    const auto* a = c->if_array();
    for (std::size_t i = 0; a && i < a->size(); ++i)
      if (!(*a)[i].is_string() || !is_token((*a)[i].get_string())) a = nullptr;
    if (!a) return invalid("invalid_payload", "capture_headers: must be an array of header names");
    for (const auto& name : *a)
      p.capture_headers.emplace_back(name.get_string());
  }
  if (const auto* t = o.if_contains("bearer_token")) {
    if (!t->is_string() || t->get_string().empty() || has_line_break(t->get_string()))
      return invalid("invalid_payload", "bearer_token: must be a non-empty string on one line");
    p.bearer_token = std::string(t->get_string());
  }
  if (const auto* a = o.if_contains("oauth2"))
    if (auto bad = read_oauth2(*a, p)) return bad;
  return std::nullopt;
}

}  // namespace

json::value http_request_schema() {
  return json::parse(R"json({
    "type": "object",
    "properties": {
      "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
      "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$", "maxLength": 8192},
      "headers": {
        "type": "object",
        "propertyNames": {"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
        "additionalProperties": {"type": "string", "pattern": "^[^\\r\\n]*$"}
      },
      "body": {"description": "a string is sent as it is, any other JSON value as application/json"},
      "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 3600000},
      "expected_status": {
        "type": "array", "minItems": 1, "uniqueItems": true,
        "items": {"type": "integer", "minimum": 100, "maximum": 599}
      },
      "capture_headers": {
        "type": "array", "maxItems": 64,
        "items": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"}
      },
      "bearer_token": {"type": "string", "minLength": 1, "pattern": "^[^\\r\\n]*$"},
      "oauth2": {
        "type": "object",
        "properties": {
          "token_url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$"},
          "client_id": {"type": "string", "minLength": 1},
          "client_secret": {"type": "string"},
          "scope": {"type": "string"}
        },
        "required": ["token_url", "client_id", "client_secret"],
        "additionalProperties": false
      }
    },
    "required": ["method", "url"],
    "not": {"required": ["bearer_token", "oauth2"]},
    "additionalProperties": false
  })json");
}

bool http_request_payload::expects(long status) const {
  if (expected_status.empty()) return status >= 200 && status <= 299;
  return std::find(expected_status.begin(), expected_status.end(), status) != expected_status.end();
}

std::variant<http_request_payload, job_error> read_http_request_payload(
    const json::value& payload, std::int64_t default_timeout_ms) {
  const auto* o = payload.if_object();
  if (!o) return invalid("invalid_payload", "the payload must be an object");
  http_request_payload p;
  p.timeout_ms = default_timeout_ms;
  const auto* method = string_field(*o, "method");
  if (!method || std::find(methods.begin(), methods.end(), *method) == methods.end())
    return invalid("invalid_method",
                   "method: must be one of GET, POST, PUT, PATCH, DELETE, HEAD (upper case)");
  p.method = std::string(*method);
  const auto* url = string_field(*o, "url");
  if (!url) return invalid("invalid_url", "url: is required and must be a string");
  p.url = std::string(*url);
  if (auto bad = check_http_url("url", p.url)) return *bad;
  if (auto bad = read_optional_fields(*o, p)) return *bad;
  if (p.bearer_token && p.oauth2)
    return invalid("invalid_payload", "bearer_token and oauth2: give one or the other");
  const bool has_authorization = std::any_of(p.headers.begin(), p.headers.end(), [](const auto& h) {
    return lower(h.first) == "authorization";
  });
  if (has_authorization && (p.bearer_token || p.oauth2))
    return invalid("invalid_payload",
                   "headers.Authorization: cannot be combined with bearer_token or oauth2");
  return p;
}

}  // namespace jobforge::handlers

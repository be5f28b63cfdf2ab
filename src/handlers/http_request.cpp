#include "handlers/http_request.hpp"

#include "handlers/http_exchange.hpp"
#include "handlers/http_request_payload.hpp"
#include "handlers/http_response_json.hpp"
#include "handlers/http_retry_after.hpp"
#include "handlers/oauth2_token_cache.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

namespace jobforge::handlers {

namespace {

// Enough of an error body to tell what the server complained about, in
// ASCII so a cut cannot leave broken UTF-8 in the message.
std::string body_excerpt(const std::string& body) {
  std::string text = body.substr(0, 200);
  for (char& c : text)
    if (c < 0x20 || c > 0x7e) c = '?';
  return text.empty() ? text : ": " + text + (body.size() > 200 ? "..." : "");
}

bool names_header(const http_request_payload& p, std::string_view lower_case_name) {
  return std::any_of(p.headers.begin(), p.headers.end(), [&](const auto& h) {
    return h.first.size() == lower_case_name.size() &&
           std::equal(h.first.begin(), h.first.end(), lower_case_name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  });
}

http_exchange_request exchange_for(const http_request_payload& p, std::size_t max_body_bytes) {
  http_exchange_request r;
  r.method = p.method;
  r.url = p.url;
  for (const auto& [name, value] : p.headers)
    r.header_lines.push_back(name + ": " + value);
  if (!names_header(p, "content-type"))
    // An empty value keeps libcurl from adding its form-encoded default.
    r.header_lines.push_back(p.body ? "Content-Type: " + p.body_content_type : "Content-Type:");
  r.body = p.body;
  r.timeout_ms = p.timeout_ms;
  r.max_body_bytes = max_body_bytes;
  return r;
}

handler_result unexpected_status(const http_request_payload& p, const http_exchange_response& r) {
  const std::string what =
      p.method + " " + p.url + " answered " + std::to_string(r.status) + body_excerpt(r.body);
  if (r.status == 429 || r.status >= 500) {
    const std::string code = r.status == 429 ? "rate_limited" : "server_error";
    // RFC 9110 gives Retry-After its meaning on 503, RFC 6585 on 429.
    if (r.status == 429 || r.status == 503)
      if (const auto after = r.header("retry-after"))
        if (const auto wait = parse_retry_after(*after, std::chrono::system_clock::now()))
          return handler_result::transient_after(
              code, what + " (retry after " + std::to_string(wait->count()) + " ms)", *wait);
    return handler_result::transient(code, what);
  }
  if (r.status >= 400 && r.status <= 499) return handler_result::permanent("client_error", what);
  return handler_result::permanent("unexpected_status", what);
}

handler_result run(const http_request_settings& settings, handler_context& ctx,
                   const boost::json::value& payload) {
  auto read = read_http_request_payload(payload, settings.default_timeout_ms);
  if (auto* bad = std::get_if<job_error>(&read)) return handler_result::failure(std::move(*bad));
  const auto& p = std::get<http_request_payload>(read);

  http_exchange_request request = exchange_for(p, settings.max_response_bytes);
  oauth2_token token;
  if (p.oauth2) {
    token = oauth2_token_cache::shared().token(*p.oauth2, p.timeout_ms, ctx.stop());
    if (token.failure) return handler_result::failure(std::move(*token.failure));
    request.header_lines.push_back("Authorization: Bearer " + token.access_token);
  } else if (p.bearer_token) {
    request.header_lines.push_back("Authorization: Bearer " + *p.bearer_token);
  }

  const http_exchange_response response = perform_exchange(request, ctx.stop());
  if (response.failure) return handler_result::failure(*response.failure);
  ctx.logger().info(p.method + " " + p.url + " answered " + std::to_string(response.status) +
                    " in " + std::to_string(response.elapsed_ms) + " ms");
  if (p.expects(response.status))
    return handler_result::ok(response_to_json(response, p.capture_headers));
  if (response.status == 401 && p.oauth2) {
    oauth2_token_cache::shared().invalidate(*p.oauth2, token.access_token);
    // A cached token may have been revoked or have expired early: the next
    // attempt fetches a new one. A token fetched just now being refused
    // means the client may not call this target at all.
    if (!token.fetched_now)
      return handler_result::transient(
          "token_rejected", p.method + " " + p.url +
                                " refused the cached OAuth2 token (401); the next attempt "
                                "fetches a new one");
  }
  return unexpected_status(p, response);
}

}  // namespace

job_type http_request_type(http_request_settings settings) {
  job_type t;
  t.name = "http.request";
  t.description =
      "An outbound HTTP call (http/https only) through libcurl: method, URL, headers, body (a "
      "string, or JSON sent as application/json), timeout_ms, expected_status (default any 2xx), "
      "and a bearer_token or OAuth2 client-credentials (token cached process-wide until 30 s "
      "before expiry). Network errors, 5xx and 429 are transient (429 and 503 honour "
      "Retry-After); other statuses are permanent; redirects are not followed. The result holds "
      "status, selected headers, body (capped; body_base64 when not UTF-8; json when JSON) and "
      "elapsed_ms.";
  t.schema = http_request_schema();
  t.sample_payload = boost::json::parse(R"({
    "method": "GET",
    "url": "https://api.github.com/repos/curl/curl/releases/latest",
    "headers": {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
    "timeout_ms": 10000,
    "expected_status": [200],
    "capture_headers": ["x-ratelimit-remaining"]
  })");
  t.defaults.max_attempts = 5;
  t.defaults.timeout_ms = 60'000;
  t.max_timeout_ms = 3'600'000;
  t.handler = [settings](handler_context& ctx, const boost::json::value& payload) {
    return run(settings, ctx, payload);
  };
  return t;
}

}  // namespace jobforge::handlers

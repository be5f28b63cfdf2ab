#include "handlers/oauth2_token_cache.hpp"
#include "model/exact_json_parse.hpp"

#include "handlers/http_encoding.hpp"
#include "handlers/http_exchange.hpp"
#include "handlers/http_retry_after.hpp"

#include <openssl/sha.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>

namespace jobforge::handlers {

namespace {

namespace json = boost::json;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr std::size_t max_token_response_bytes = 64 * 1024;
// How often a job waiting for another job's fetch looks at its stop token.
constexpr std::chrono::milliseconds fetch_wait_step{50};

struct fetched_token {
  std::string access_token;
  seconds lifetime{0};
  std::optional<job_error> failure;
};

fetched_token fail(std::string code, std::string message, error_kind kind) {
  return {{}, {}, job_error{std::move(code), std::move(message), kind, std::nullopt}};
}

std::string secret_digest(const std::string& secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// RFC 6750's b64token; anything else could smuggle a line break (or worse)
// into the Authorization header sent to the target.
bool is_bearer_token(const std::string& token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
           c == '/' || c == '=';
  });
}

// Lifetimes are clamped to ~34 years so time arithmetic cannot overflow.
constexpr std::int64_t longest_lifetime_s = std::int64_t{1} << 30;

std::optional<std::int64_t> expires_in_seconds(const json::value& v) {
  const auto clamp = [](auto s) {
    return static_cast<std::int64_t>(std::clamp<decltype(s)>(s, 0, longest_lifetime_s));
  };
  if (v.is_int64()) return clamp(v.get_int64());
  if (v.is_uint64()) return clamp(v.get_uint64());
  if (v.is_double() && v.get_double() >= 0) return clamp(v.get_double());  // false for NaN
  // Some servers send it as a string.
  const auto* text = v.if_string();
  if (text && !text->empty() && text->size() < 10 &&
      std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return clamp(std::stoll(std::string(*text)));
  return std::nullopt;
}

std::string describe_refusal(const http_exchange_response& r) {
  boost::json::error_code ec;
  const json::value body = parse_json_exactly(r.body, ec);
  std::string text = "token URL answered " + std::to_string(r.status);
  if (!ec && body.is_object()) {
    if (const auto* e = body.as_object().if_contains("error"); e && e->is_string())
      text += ": " + std::string(e->get_string());
    if (const auto* d = body.as_object().if_contains("error_description"); d && d->is_string())
      text += " (" + std::string(d->get_string()) + ")";
  } else if (!r.body.empty()) {
    // Printable ASCII only, so that the cut cannot leave broken UTF-8.
    text += ": ";
    for (char c : r.body.substr(0, 200))
      text += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return text;
}

fetched_token read_token_response(const http_exchange_response& r) {
  if (r.status == 429 || r.status >= 500) {
    fetched_token t = fail("oauth2_unavailable", describe_refusal(r), error_kind::transient);
    if (const auto after = r.header("retry-after"))
      if (const auto wait = parse_retry_after(*after, std::chrono::system_clock::now()))
        t.failure->retry_after_ms = wait->count();
    return t;
  }
  if (r.status < 200 || r.status > 299)
    return fail("oauth2_rejected", describe_refusal(r), error_kind::permanent);
  boost::json::error_code ec;
  const json::value body = parse_json_exactly(r.body, ec);
  if (ec || !body.is_object())
    return fail("oauth2_bad_response", "the token response is not a JSON object",
                error_kind::permanent);
  const auto& o = body.as_object();
  const auto* token = o.if_contains("access_token");
  if (!token || !token->is_string() || !is_bearer_token(std::string(token->get_string())))
    return fail("oauth2_bad_response", "the token response has no usable access_token",
                error_kind::permanent);
  if (const auto* type = o.if_contains("token_type")) {
    std::string name = type->is_string() ? std::string(type->get_string()) : std::string();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name != "bearer")
      return fail("oauth2_bad_response", "the token response's token_type is not Bearer",
                  error_kind::permanent);
  }
  seconds lifetime = oauth2_token_cache::unstated_lifetime;
  if (const auto* expires = o.if_contains("expires_in"))
    if (const auto s = expires_in_seconds(*expires)) lifetime = seconds{*s};
  return {std::string(token->get_string()), lifetime, std::nullopt};
}

fetched_token fetch_token(const oauth2_client_credentials& client, std::int64_t timeout_ms,
                          const stop_token& stop) {
  http_exchange_request request;
  request.method = "POST";
  request.url = client.token_url;
  request.header_lines = {
      "Authorization: Basic " + base64_encode(form_url_encode(client.client_id) + ":" +
                                              form_url_encode(client.client_secret)),
      "Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  request.body = "grant_type=client_credentials";
  if (!client.scope.empty()) *request.body += "&scope=" + form_url_encode(client.scope);
  request.timeout_ms = timeout_ms;
  request.max_body_bytes = max_token_response_bytes;
  const http_exchange_response response = perform_exchange(request, stop);
  if (response.failure) {
    fetched_token t{{}, {}, response.failure};
    t.failure->message = "fetching the OAuth2 token: " + t.failure->message;
    return t;
  }
  fetched_token t = read_token_response(response);
  if (t.failure) t.failure->message = client.token_url + ": " + t.failure->message;
  return t;
}

}  // namespace

oauth2_token_cache& oauth2_token_cache::shared() {
  static oauth2_token_cache cache;
  return cache;
}

std::shared_ptr<oauth2_token_cache::entry> oauth2_token_cache::entry_for(
    const oauth2_client_credentials& client) {
  key k{client.token_url, client.client_id, client.scope, secret_digest(client.client_secret)};
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(k); it != entries_.end()) return it->second;
  // Before growing, forget the entries nobody holds whose token has expired,
  // so a long-running process does not keep every client it ever saw.
  const auto now = steady_clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool stale = false;
    if (it->second.use_count() == 1) {
      std::lock_guard entry_lock(it->second->mutex);
      stale = it->second->access_token.empty() || it->second->usable_until <= now;
    }
    it = stale ? entries_.erase(it) : std::next(it);
  }
  return entries_.emplace(std::move(k), std::make_shared<entry>()).first->second;
}

oauth2_token oauth2_token_cache::token(const oauth2_client_credentials& client,
                                       std::int64_t timeout_ms, const stop_token& stop) {
  const std::shared_ptr<entry> e = entry_for(client);
  const auto cached = [&]() -> std::optional<std::string> {
    std::lock_guard lock(e->mutex);
    if (e->access_token.empty() || steady_clock::now() >= e->usable_until) return std::nullopt;
    return e->access_token;
  };
  if (auto t = cached()) return {std::move(*t), false, std::nullopt};
  while (!e->fetching.try_lock_for(fetch_wait_step))
    if (stop.stop_requested())
      return {{},
              false,
              job_error{"interrupted", "stopped while another job fetched the OAuth2 token",
                        error_kind::transient, std::nullopt}};
  std::unique_lock fetch_lock(e->fetching, std::adopt_lock);
  // The job that held the lock may just have fetched one.
  if (auto t = cached()) return {std::move(*t), false, std::nullopt};
  const auto asked_at = steady_clock::now();
  fetched_token f = fetch_token(client, timeout_ms, stop);
  if (f.failure) return {{}, false, std::move(f.failure)};
  {
    std::lock_guard lock(e->mutex);
    e->access_token = f.access_token;
    // A token living less than the margin is used once, never cached.
    e->usable_until = asked_at + f.lifetime - expiry_margin;
  }
  return {std::move(f.access_token), true, std::nullopt};
}

void oauth2_token_cache::invalidate(const oauth2_client_credentials& client,
                                    const std::string& access_token) {
  const std::shared_ptr<entry> e = entry_for(client);
  std::lock_guard lock(e->mutex);
  if (e->access_token == access_token) e->access_token.clear();
}

}  // namespace jobforge::handlers

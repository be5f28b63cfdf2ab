#include "handlers/http_exchange.hpp"

#include "handlers/blank_trim.hpp"
#include "handlers/curl_easy.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace jobforge::handlers {

namespace {

struct receive_state {
  http_exchange_response* response;
  std::size_t max_body_bytes;
};

void keep_header(http_exchange_response& response, std::string_view line) {
  // Each status line opens a new response (a 100 Continue, then the real
  // one): only the last response's headers are kept.
  if (line.rfind("HTTP/", 0) == 0) {
    response.headers.clear();
    return;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.remove_suffix(1);
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return;
  std::string name{trim_blanks(line.substr(0, colon))};
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  response.headers.emplace_back(std::move(name), std::string(trim_blanks(line.substr(colon + 1))));
}

// libcurl's callbacks are C: an exception must not cross them, so running
// out of memory ends the transfer (CURLE_WRITE_ERROR) instead.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) try {
  keep_header(*static_cast<receive_state*>(user)->response, std::string_view{data, size * count});
  return size * count;
} catch (...) {
  return 0;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) try {
  auto* state = static_cast<receive_state*>(user);
  const std::size_t length = size * count;
  std::string& body = state->response->body;
  const std::size_t room = state->max_body_bytes - std::min(body.size(), state->max_body_bytes);
  if (length <= room) {
    body.append(data, length);
    return length;
  }
  // Past the cap nothing more is wanted: keep what fits and end the
  // transfer rather than download the rest for nothing.
  body.append(data, room);
  state->response->truncated = true;
  return 0;
} catch (...) {
  return 0;
}

job_error transfer_error(CURLcode code, const std::string& what, const std::string& detail,
                         const stop_token& stop) {
  const auto fail = [&](const char* error_code, error_kind kind) {
    return job_error{error_code, what + ": " + detail, kind, std::nullopt};
  };
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK: {
      const auto why = stop.reason();
      return job_error{"interrupted",
                       what + ": stopped (" +
                           std::string(why ? to_string(*why) : std::string_view{"stop"}) + ")",
                       error_kind::transient, std::nullopt};
    }
    case CURLE_OPERATION_TIMEDOUT:
      return fail("http_timeout", error_kind::transient);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return fail("dns_failed", error_kind::transient);
    case CURLE_COULDNT_CONNECT:
      return fail("connect_failed", error_kind::transient);
    // Retrying cannot change a URL, a certificate or what libcurl supports.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
      return fail("invalid_url", error_kind::permanent);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return fail("tls_verification_failed", error_kind::permanent);
    default:
      return fail("network_error", error_kind::transient);
  }
}

void set_method_and_body(CURL* h, const http_exchange_request& request) {
  const std::string& method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return;
  }
  if (request.body) {
    // POSTFIELDS does not copy: the request outlives the transfer.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body->data());
  } else if (method == "POST" || method == "PUT" || method == "PATCH") {
    // An empty body still goes with "Content-Length: 0", which many servers
    // demand of these methods.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t{0});
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  // A body makes libcurl send POST; every other method (GET with a body
  // included) is named explicitly.
  const bool libcurl_picks_method = method == "POST" || (method == "GET" && !request.body);
  if (!libcurl_picks_method) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
}

}  // namespace

std::optional<std::string> http_exchange_response::header(std::string_view lower_case_name) const {
  std::optional<std::string> joined;
  for (const auto& [name, value] : headers) {
    if (name != lower_case_name) continue;
    if (joined)
      *joined += ", " + value;
    else
      joined = value;
  }
  return joined;
}

http_exchange_response perform_exchange(const http_exchange_request& request,
                                        const stop_token& stop) {
  http_exchange_response response;
  const std::string what = request.method + " " + request.url;
  curl_easy easy;
  curl_header_list headers;
  bool headers_ok = true;
  for (const auto& line : request.header_lines)
    headers_ok = headers_ok && headers.append(line);
  // libcurl would otherwise send "Expect: 100-continue" with large bodies and
  // wait a second for servers that never answer it.
  headers_ok = headers_ok && headers.append("Expect:");
  if (!easy.valid() || !headers_ok) {
    response.failure = job_error{"network_error", what + ": libcurl is out of memory",
                                 error_kind::transient, std::nullopt};
    return response;
  }
  CURL* h = easy.get();
  receive_state state{&response, request.max_body_bytes};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "jobforge");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  set_method_and_body(h, request);

  const auto started = std::chrono::steady_clock::now();
  const CURLcode code = easy.perform(stop);
  response.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  const bool cut_on_purpose = code == CURLE_WRITE_ERROR && response.truncated;
  if (code != CURLE_OK && !cut_on_purpose) {
    response.failure = transfer_error(code, what, easy.error_text(code), stop);
    return response;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace jobforge::handlers

#include "client/transport.hpp"
#include "model/exact_json_parse.hpp"

#include "client/retry_backoff.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace jobforge::client {

namespace {

bool is_https(const std::string& url) {
  return url.rfind("https://", 0) == 0;
}

using steady = std::chrono::steady_clock;

/// Worth another attempt: the server may answer in a moment (a standby
/// taking over, a database coming back, a proxy in front of it).
bool transient_status(int status) {
  return status == 502 || status == 503 || status == 504;
}

}  // namespace

struct transport::attempt_outcome {
  std::optional<http_answer> answer;  ///< any HTTP answer
  std::optional<error> failure;       ///< no answer
  std::string url;                    ///< where it went last
  bool followed = false;              ///< to a leader a standby named
};

error error_of_answer(int status, const std::string& body, const std::string& url) {
  error e;
  e.kind = status >= 500 ? error_kind::server_error : error_kind::rejected;
  e.http_status = status;
  e.url = url;
  e.message = body;
  boost::json::error_code ec;
  const auto v = parse_json_exactly(body, ec);
  if (!ec && v.is_object())
    if (const auto* env = v.get_object().if_contains("error"); env && env->is_object()) {
      const auto& o = env->get_object();
      if (const auto* m = o.if_contains("message"); m && m->is_string())
        e.message = std::string(m->get_string());
      if (const auto* c = o.if_contains("code"); c && c->is_string())
        e.code = std::string(c->get_string());
      if (const auto* d = o.if_contains("details")) e.details_json = boost::json::serialize(*d);
    }
  return e;
}

transport::transport(options o)
    : options_(std::move(o)),
      current_url_(options_.url),
      breaker_(options_.breaker),
      random_(std::random_device{}()) {
  if (!is_https(options_.url) && options_.url.rfind("http://", 0) != 0)
    throw std::invalid_argument("the url must start with http:// or https:// (got " + options_.url +
                                ")");
  if (!options_.ca_cert.empty() && !std::ifstream(options_.ca_cert))
    throw std::invalid_argument("cannot read the CA certificate file " + options_.ca_cert);
  if (!httplib::Client(options_.url).is_valid())
    throw std::invalid_argument(options_.url + " is not a server address");
  options_.max_attempts = std::max(1, options_.max_attempts);
}

std::unique_ptr<httplib::Client> transport::connect(const std::string& url) const {
  auto c = std::make_unique<httplib::Client>(url);
  c->set_connection_timeout(options_.connect_timeout);
  c->set_read_timeout(options_.read_timeout);
  c->set_write_timeout(options_.write_timeout);
  c->set_keep_alive(true);
  if (is_https(url)) {
    // The server's certificate is always checked: against ca_cert, or the
    // system's CAs.
    c->enable_server_certificate_verification(true);
    if (!options_.ca_cert.empty()) c->set_ca_cert_path(options_.ca_cert);
  }
  if (!options_.api_key.empty()) c->set_bearer_token_auth(options_.api_key);
  return c;
}

std::unique_ptr<httplib::Client> transport::checkout(const std::string& url) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it)
      if (it->first == url) {
        auto c = std::move(it->second);
        idle_.erase(std::next(it).base());
        return c;
      }
  }
  return connect(url);
}

void transport::checkin(const std::string& url, std::unique_ptr<httplib::Client> c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.pool_size) idle_.emplace_back(url, std::move(c));
}

std::unique_ptr<httplib::Client> transport::stream_client(milliseconds read_timeout) const {
  auto c = connect(current_url());
  c->set_read_timeout(read_timeout);
  return c;
}

std::string transport::leader_to_follow(const std::string& url, const httplib::Response& r) const {
  if (!options_.follow_leader || r.status != 503) return "";
  const auto leader = r.get_header_value("X-Jobforge-Leader");
  if (leader.empty() || leader == url) return "";
  if (is_https(url) && !is_https(leader)) {
    // Never send the API key over plain HTTP after HTTPS.
    if (options_.on_notice)
      options_.on_notice(url + " is a standby; not following it to the leader " + leader +
                         " over plain HTTP");
    return "";
  }
  return leader;
}

void transport::follow(const std::string& from, const std::string& leader) {
  if (options_.on_notice)
    options_.on_notice(from + " is a standby; sending the request to the leader " + leader);
  std::lock_guard lock(mutex_);
  current_url_ = leader;
}

transport::attempt_outcome transport::attempt(const http_call& call, const std::string& first) {
  attempt_outcome out;
  out.url = first;
  for (int hop = 0; hop < 2; ++hop) {  // at most one hop to a leader per attempt
    auto c = checkout(out.url);
    c->set_read_timeout(call.read_timeout.count() > 0 ? call.read_timeout : options_.read_timeout);
    httplib::Result r = call.method == "GET"    ? c->Get(call.path)
                        : call.method == "POST" ? c->Post(call.path, call.body, "application/json")
                                                : c->Delete(call.path);
    if (!r) {
      error e;
      e.kind = error_kind::unreachable;
      e.url = out.url;
      e.message = "cannot reach " + out.url + ": " + httplib::to_string(r.error());
      // A connection that was never made carried nothing to the server.
      e.not_sent = r.error() == httplib::Error::Connection ||
                   r.error() == httplib::Error::ConnectionTimeout ||
                   r.error() == httplib::Error::SSLConnection ||
                   r.error() == httplib::Error::SSLServerVerification;
      out.failure = std::move(e);
      return out;  // the connection is dropped, not pooled
    }
    const auto leader = hop == 0 ? leader_to_follow(out.url, *r) : std::string();
    checkin(out.url, std::move(c));
    if (leader.empty()) {
      out.answer = http_answer{r->status, r->body};
      return out;
    }
    follow(out.url, leader);
    out.url = leader;
    out.followed = true;
  }
  return out;
}

void transport::pause_before_retry(int retry) {
  double random01 = 0;
  {
    std::lock_guard lock(mutex_);
    random01 = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  std::this_thread::sleep_for(retry_delay(retry, options_.initial_backoff, options_.max_backoff,
                                          options_.jitter, random01));
}

result<http_answer> transport::send(const http_call& call) {
  const int attempts = call.retryable ? options_.max_attempts : 1;
  std::optional<error> last;
  for (int n = 1; n <= attempts; ++n) {
    std::string url;
    {
      std::lock_guard lock(mutex_);
      if (!breaker_.allow(steady::now())) {
        const auto s = breaker_.snapshot(steady::now());
        error e;
        e.kind = error_kind::circuit_open;
        e.url = current_url_;
        e.not_sent = true;
        e.message = "the circuit breaker is open after " + std::to_string(s.consecutive_failures) +
                    " consecutive failures (" + current_url_ + "); failing fast, next probe in " +
                    std::to_string(s.retry_in.count()) + " ms" +
                    (last ? "; last error: " + last->message : std::string());
        return e;
      }
      url = current_url_;
    }
    auto out = attempt(call, url);
    const bool failed =
        out.failure || transient_status(out.answer->status) || out.answer->status >= 500;
    {
      std::lock_guard lock(mutex_);
      if (failed)
        breaker_.record_failure(steady::now());
      else
        breaker_.record_success(steady::now());
      // A leader that cannot be reached may have lost its place: the next
      // attempt asks the configured server again, which names the new one.
      if (out.failure && out.url != options_.url) current_url_ = options_.url;
    }
    if (!failed) {
      if (out.answer->status >= 400)
        return error_of_answer(out.answer->status, out.answer->body, out.url);
      return *out.answer;
    }
    last =
        out.failure ? *out.failure : error_of_answer(out.answer->status, out.answer->body, out.url);
    const bool again = out.failure || transient_status(out.answer->status);
    if (!again || n == attempts) break;
    pause_before_retry(n);
  }
  return *last;
}

std::string transport::current_url() const {
  std::lock_guard lock(mutex_);
  return current_url_;
}

breaker_snapshot transport::breaker() const {
  std::lock_guard lock(mutex_);
  return breaker_.snapshot(steady::now());
}

}  // namespace jobforge::client

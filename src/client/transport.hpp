#pragma once
/// The client's HTTP layer: a small pool of keep-alive connections, the
/// circuit breaker in front of every attempt, bounded retries with backoff
/// and jitter for calls marked retryable, and a standby's 503 followed to
/// the leader it names. Internal to src/client.

#include "jobforge/client.hpp"

#include <httplib.h>

#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace jobforge::client {

/// One request.
struct http_call {
  std::string method;  ///< GET, POST or DELETE
  std::string path;    ///< with its query
  std::string body;    ///< JSON (POST)
  bool retryable = false;
  milliseconds read_timeout{0};  ///< 0: options.read_timeout
};

/// A 2xx or 3xx answer.
struct http_answer {
  int status = 0;
  std::string body;
};

class transport {
 public:
  explicit transport(options o);  ///< throws std::invalid_argument (see client's constructor)

  /// Sends `call`: the answer, or an error (4xx rejected, 5xx server_error,
  /// unreachable, circuit_open) after the attempts it was allowed.
  result<http_answer> send(const http_call& call);

  /// A connection of its own for a long-lived stream to current_url().
  std::unique_ptr<httplib::Client> stream_client(milliseconds read_timeout) const;
  /// A stream was answered 503 by a standby naming `leader`: later calls go there.
  void follow(const std::string& from, const std::string& leader);

  std::string current_url() const;
  breaker_snapshot breaker() const;
  const options& settings() const { return options_; }

 private:
  struct attempt_outcome;
  attempt_outcome attempt(const http_call& call, const std::string& url);
  std::unique_ptr<httplib::Client> checkout(const std::string& url);
  void checkin(const std::string& url, std::unique_ptr<httplib::Client> c);
  std::unique_ptr<httplib::Client> connect(const std::string& url) const;
  /// The leader a standby's answer names, if the call should follow it.
  std::string leader_to_follow(const std::string& url, const httplib::Response& r) const;
  void pause_before_retry(int retry);

  options options_;
  mutable std::mutex mutex_;
  std::string current_url_;
  circuit_breaker breaker_;
  std::vector<std::pair<std::string, std::unique_ptr<httplib::Client>>> idle_;
  std::mt19937_64 random_;
};

/// The error of a 4xx/5xx answer: the envelope's code and message.
error error_of_answer(int status, const std::string& body, const std::string& url);

}  // namespace jobforge::client

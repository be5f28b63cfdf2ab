#pragma once
/// RAII owners for a libcurl easy handle and a header list, and a transfer
/// that a stop token can abort within a few tens of milliseconds.

#include "model/stop_token.hpp"

#include <curl/curl.h>

#include <string>

namespace jobforge::handlers {

/// A `curl_slist` (request headers) freed with its owner.
class curl_header_list {
 public:
  curl_header_list() = default;
  ~curl_header_list();
  curl_header_list(const curl_header_list&) = delete;
  curl_header_list& operator=(const curl_header_list&) = delete;

  /// Appends one "Name: value" line; false if libcurl ran out of memory.
  bool append(const std::string& line);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

/// One easy handle, created with CURLOPT_NOSIGNAL set (handlers run on many
/// threads, and libcurl's SIGALRM-based DNS timeout is not thread-safe).
class curl_easy {
 public:
  curl_easy();
  ~curl_easy();
  curl_easy(const curl_easy&) = delete;
  curl_easy& operator=(const curl_easy&) = delete;

  /// False if libcurl could not create the handle (out of memory).
  bool valid() const { return handle_ != nullptr; }
  CURL* get() const { return handle_; }

  /// Runs the transfer until it ends or `stop` turns true; a stopped transfer
  /// ends with CURLE_ABORTED_BY_CALLBACK. The handle's CURLOPT_XFERINFO*
  /// options are taken for the stop check.
  CURLcode perform(const stop_token& stop);

  /// The text of CURLOPT_ERRORBUFFER after a failed perform, or libcurl's
  /// generic text for `code` when the buffer is empty.
  std::string error_text(CURLcode code) const;

 private:
  CURL* handle_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace jobforge::handlers

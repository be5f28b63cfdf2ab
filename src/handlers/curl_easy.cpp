#include "handlers/curl_easy.hpp"

#include <mutex>

namespace jobforge::handlers {

namespace {

// How long one wait on the transfer's sockets lasts before the stop token is
// looked at again: the worst-case delay between a stop and the abort.
constexpr int stop_poll_ms = 50;

void init_curl_once() {
  // curl_easy_init would do this lazily, but not thread-safely on every
  // libcurl build; once per process, before the first handle, is safe.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int abort_when_stopped(void* token, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const stop_token*>(token)->stop_requested() ? 1 : 0;
}

// Owns a multi handle with one easy handle added, removed again on exit.
class single_transfer {
 public:
  explicit single_transfer(CURL* easy) : multi_(curl_multi_init()), easy_(easy) {
    if (multi_ && curl_multi_add_handle(multi_, easy_) == CURLM_OK) added_ = true;
  }
  ~single_transfer() {
    if (added_) curl_multi_remove_handle(multi_, easy_);
    if (multi_) curl_multi_cleanup(multi_);
  }
  single_transfer(const single_transfer&) = delete;
  single_transfer& operator=(const single_transfer&) = delete;

  CURLcode run(const stop_token& stop) {
    if (!added_) return CURLE_OUT_OF_MEMORY;
    // curl_easy_perform waits up to a second between progress callbacks
    // while the peer is silent; driving the multi handle ourselves bounds
    // the reaction to a stop by stop_poll_ms.
    int running = 1;
    while (true) {
      if (curl_multi_perform(multi_, &running) != CURLM_OK) return CURLE_FAILED_INIT;
      if (running == 0) break;
      if (stop.stop_requested()) return CURLE_ABORTED_BY_CALLBACK;
      if (curl_multi_poll(multi_, nullptr, 0, stop_poll_ms, nullptr) != CURLM_OK)
        return CURLE_FAILED_INIT;
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued))
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy_) return msg->data.result;
    return CURLE_FAILED_INIT;
  }

 private:
  CURLM* multi_;
  CURL* easy_;
  bool added_ = false;
};

}  // namespace

curl_header_list::~curl_header_list() {
  curl_slist_free_all(list_);
}

bool curl_header_list::append(const std::string& line) {
  curl_slist* grown = curl_slist_append(list_, line.c_str());
  if (grown == nullptr) return false;
  list_ = grown;
  return true;
}

curl_easy::curl_easy() {
  init_curl_once();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) return;
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_buffer_);
}

curl_easy::~curl_easy() {
  if (handle_) curl_easy_cleanup(handle_);
}

CURLcode curl_easy::perform(const stop_token& stop) {
  if (handle_ == nullptr) return CURLE_FAILED_INIT;
  if (stop.stop_requested()) return CURLE_ABORTED_BY_CALLBACK;
  error_buffer_[0] = '\0';
  // libcurl asks this callback on its own progress ticks as well, so a stop
  // also aborts from inside libcurl, between two turns of our loop.
  curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle_, CURLOPT_XFERINFOFUNCTION, &abort_when_stopped);
  curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, &stop);
  const CURLcode code = single_transfer{handle_}.run(stop);
  // `stop` is the caller's; the handle must not keep pointing at it.
  curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 1L);
  curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, nullptr);
  return code;
}

std::string curl_easy::error_text(CURLcode code) const {
  if (error_buffer_[0] != '\0') return error_buffer_;
  return curl_easy_strerror(code);
}

}  // namespace jobforge::handlers

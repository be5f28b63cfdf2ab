#include "handlers/email_smtp_delivery.hpp"

#include "handlers/curl_easy.hpp"

#include <cstring>

namespace jobforge::handlers {

namespace {

// Reply lines kept, the longest kept whole: enough to find the one that
// decided the outcome, bounded against a chatty or hostile server.
constexpr std::size_t kept_replies = 32;
constexpr std::size_t max_reply_length = 512;

struct upload_source {
  const std::string* message;
  std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* source) {
  auto* s = static_cast<upload_source*>(source);
  const std::size_t n = std::min(size * count, s->message->size() - s->offset);
  std::memcpy(buffer, s->message->data() + s->offset, n);
  s->offset += n;
  return n;
}

// libcurl hands every SMTP reply line to the header callback.
std::size_t keep_reply_line(char* data, std::size_t size, std::size_t count, void* lines) {
  auto* replies = static_cast<std::vector<std::string>*>(lines);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  // Only the last line of a multi-line reply ("250 " after "250-") is final.
  const bool final_line = line.size() == 3 || (line.size() > 3 && line[3] == ' ');
  if (final_line) {
    if (replies->size() == kept_replies) replies->erase(replies->begin());
    replies->push_back(line.substr(0, max_reply_length));
  }
  return size * count;
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

std::string server_url(const smtp_settings& s) {
  const std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
  return std::string(s.security == smtp_security::tls ? "smtps://" : "smtp://") + host + ":" +
         std::to_string(s.port);
}

// The reply that carries libcurl's last response code; QUIT's reply, sent
// when the connection closes, does not change that code, so it is skipped.
std::string reply_for(long code, const std::vector<std::string>& replies) {
  const std::string prefix = std::to_string(code);
  for (auto it = replies.rbegin(); it != replies.rend(); ++it)
    if (it->compare(0, 3, prefix) == 0) return *it;
  return code ? prefix : std::string{};
}

}  // namespace

delivery_outcome deliver_over_smtp(const smtp_settings& settings, const smtp_envelope& envelope,
                                   const std::string& message, const stop_token& stop) {
  delivery_outcome out;
  curl_easy curl;
  curl_header_list recipients;
  bool listed = curl.valid();
  for (const auto& r : envelope.recipients)
    listed = listed && recipients.append("<" + r + ">");
  if (!listed) {
    out.error = "libcurl could not set up the transfer (out of memory)";
    return out;
  }
  upload_source source{&message};
  std::vector<std::string> replies;
  CURL* h = curl.get();
  const std::string url = server_url(settings);
  const std::string sender = "<" + envelope.sender + ">";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_message);
  curl_easy_setopt(h, CURLOPT_READDATA, &source);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &keep_reply_line);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &replies);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
  // libcurl waits for the reply to the message's final dot, and for QUIT's,
  // in blocking loops that look at the stop callback once a second. A
  // connection kept for reuse would be QUIT later, from a cleanup that looks
  // at no callback at all and waits on a silent server for minutes.
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout_ms));
  if (settings.security == smtp_security::starttls)
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings.password.c_str());
  }

  const CURLcode code = curl.perform(stop);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.reply_code);
  out.reply = reply_for(out.reply_code, replies);
  if (code == CURLE_OK) {
    out.status = delivery_status::sent;
    return out;
  }
  out.error = curl.error_text(code);
  if (code == CURLE_ABORTED_BY_CALLBACK && stop.stop_requested())
    out.status = delivery_status::interrupted;
  else if (out.reply_code >= 500 && out.reply_code < 600)
    out.status = delivery_status::bounced;
  else
    out.status = delivery_status::deferred;
  return out;
}

}  // namespace jobforge::handlers

#include "handlers/mime_message.hpp"

#include "handlers/mime_encoding.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace jobforge::handlers {

namespace {

std::string random_hex(std::size_t bytes) {
  unsigned char buffer[32];
  if (bytes > sizeof buffer || RAND_bytes(buffer, static_cast<int>(bytes)) != 1)
    throw std::runtime_error("no random bytes for a Message-ID or MIME boundary");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += digits[buffer[i] >> 4];
    out += digits[buffer[i] & 0xF];
  }
  return out;
}

// RFC 5322 §3.3 in UTC, with English names whatever the process locale.
std::string rfc5322_date(std::chrono::system_clock::time_point now) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[utc.tm_wday],
                utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buffer;
}

// "=_" can appear neither in quoted-printable nor in base64 output, so the
// boundary can never occur inside an encoded part.
std::string new_boundary() {
  return "=_jobforge_" + random_hex(12);
}

std::string text_part(const std::string& subtype, const std::string& body) {
  return "Content-Type: text/" + subtype +
         "; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         quoted_printable(body);
}

// The readable body: one text part, or both in a multipart/alternative with
// the plainest first, as RFC 2046 §5.1.4 orders them.
std::string body_part(const email_message& m) {
  if (m.text && !m.html) return text_part("plain", *m.text);
  if (m.html && !m.text) return text_part("html", *m.html);
  const std::string boundary = new_boundary();
  return "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary +
         "\"\r\n\r\n"
         "--" +
         boundary + "\r\n" + text_part("plain", m.text.value_or("")) + "\r\n--" + boundary +
         "\r\n" + text_part("html", m.html.value_or("")) + "\r\n--" + boundary + "--\r\n";
}

// Parameters go on folded lines of their own, so only a very long file name
// (up to the schema's 255 characters) passes 78 columns, never 998.
std::string attachment_part(const email_attachment& a) {
  return "Content-Type: " + a.content_type + ";\r\n " + mime_parameter("name", a.name) +
         "\r\n"
         "Content-Disposition: attachment;\r\n " +
         mime_parameter("filename", a.name) +
         "\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         base64_lines(a.bytes);
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

}  // namespace

mime_message write_mime_message(const email_message& m, std::chrono::system_clock::time_point now) {
  mime_message out;
  out.message_id = "<" + random_hex(16) + "@" + domain_of(m.from.address) + ">";
  std::string& d = out.data;
  d += "Date: " + rfc5322_date(now) + "\r\n";
  d += "From: " + format_mailbox(m.from) + "\r\n";
  if (!m.to.empty()) d += "To: " + format_mailbox_list(m.to, 4) + "\r\n";
  if (!m.cc.empty()) d += "Cc: " + format_mailbox_list(m.cc, 4) + "\r\n";
  d += "Subject: " + header_text(m.subject, 9) + "\r\n";
  d += "Message-ID: " + out.message_id + "\r\n";
  d += "MIME-Version: 1.0\r\n";
  if (m.attachments.empty()) {
    d += body_part(m);
  } else {
    const std::string boundary = new_boundary();
    d += "Content-Type: multipart/mixed;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    d += "This is a multi-part message in MIME format.\r\n";
    d += "--" + boundary + "\r\n" + body_part(m);
    for (const auto& a : m.attachments)
      d += "\r\n--" + boundary + "\r\n" + attachment_part(a);
    d += "\r\n--" + boundary + "--\r\n";
  }
  if (d.size() < 2 || d.compare(d.size() - 2, 2, "\r\n") != 0) d += "\r\n";
  return out;
}

}  // namespace jobforge::handlers

#pragma once
/// Writes an email_message as an RFC 5322 / MIME message: the headers
/// (never Bcc), a text and/or HTML body (multipart/alternative when both),
/// attachments (multipart/mixed), every line ending in CRLF.

#include "handlers/email_message.hpp"

#include <chrono>
#include <string>

namespace jobforge::handlers {

/// The written message and the Message-ID it carries.
struct mime_message {
  std::string message_id;  ///< with its angle brackets, as in the header
  std::string data;
};

/// Writes `m` dated `now`, with a fresh random Message-ID and boundaries.
/// The caller has checked every header value for line breaks.
mime_message write_mime_message(const email_message& m, std::chrono::system_clock::time_point now);

}  // namespace jobforge::handlers

#pragma once
/// Hands one written message to an SMTP server through libcurl and reports
/// how the server answered, classified for the retry policy.

#include "handlers/email_send.hpp"
#include "model/stop_token.hpp"

#include <string>
#include <vector>

namespace jobforge::handlers {

/// Who the server is to deliver to, apart from the message's headers.
struct smtp_envelope {
  std::string sender;                   ///< MAIL FROM
  std::vector<std::string> recipients;  ///< RCPT TO, Bcc included
};

/// How a delivery ended.
enum class delivery_status {
  sent,         ///< the server accepted the message
  deferred,     ///< a 4xx reply or no usable connection: worth retrying
  bounced,      ///< a 5xx reply: retrying cannot help
  interrupted,  ///< the stop token turned true first
};

/// A delivery's outcome and the server's words on it.
struct delivery_outcome {
  delivery_status status = delivery_status::deferred;
  long reply_code = 0;  ///< the last SMTP reply code, 0 when none came
  std::string reply;    ///< that reply's line, e.g. "250 2.0.0 Ok: queued as 17"
  std::string error;    ///< libcurl's description of a failure
};

/// Sends `message` to `envelope`'s recipients through the server in
/// `settings`; returns promptly once `stop` turns true.
delivery_outcome deliver_over_smtp(const smtp_settings& settings, const smtp_envelope& envelope,
                                   const std::string& message, const stop_token& stop);

}  // namespace jobforge::handlers

#pragma once
/// `email.send`: real SMTP delivery through libcurl (SPEC §4).

#include "model/job_type.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace jobforge::handlers {

enum class smtp_security { none, starttls, tls };

/// The `smtp` section of the configuration.
struct smtp_settings {
  std::string host = "127.0.0.1";
  int port = 25;
  smtp_security security = smtp_security::none;
  std::string username;  ///< empty = no authentication
  std::string password;
  std::string from;           ///< default sender when a payload names none
  std::string templates_dir;  ///< mustache templates `<name>.txt` / `<name>.html`; empty = none
  std::string
      attachments_dir;  ///< attachments given by path must lie under it; empty = none allowed
  std::size_t max_attachment_bytes = 10 * 1024 * 1024;  ///< all attachments of one message together
  std::int64_t connect_timeout_ms = 10'000;
};

/// The `email.send` job type, delivering through the server in `settings`.
job_type email_send_type(smtp_settings settings);

/// Two realistic payloads by name: "welcome" (the `welcome` template with
/// variables) and "notification" (inline text and HTML, the type's sample).
boost::json::object email_send_samples();

}  // namespace jobforge::handlers

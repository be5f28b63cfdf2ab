#pragma once
/// An e-mail as the handler composes it from a payload, before it is written
/// as a MIME message.

#include "handlers/email_address.hpp"

#include <optional>
#include <string>
#include <vector>

namespace jobforge::handlers {

/// A file sent along with the message, its bytes already loaded.
struct email_attachment {
  std::string name;  ///< the file name the recipient sees
  std::string content_type = "application/octet-stream";
  std::string bytes;
};

/// Everything the message and its envelope are made of.
struct email_message {
  mailbox from;
  std::vector<mailbox> to;
  std::vector<mailbox> cc;
  std::vector<mailbox> bcc;  ///< in the envelope only, never in a header
  std::string subject;
  std::optional<std::string> text;
  std::optional<std::string> html;
  std::vector<email_attachment> attachments;
};

}  // namespace jobforge::handlers

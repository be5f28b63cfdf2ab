#pragma once
/// E-mail addresses as a payload gives them ("ann@example.com" or
/// "Ann Lee <ann@example.com>") and as a message header writes them.

#include <string>
#include <string_view>
#include <vector>

namespace jobforge::handlers {

/// One mailbox: an optional display name and its address.
struct mailbox {
  std::string display_name;  ///< may be empty; any UTF-8
  std::string address;       ///< local@domain, ASCII (no SMTPUTF8)
};

/// Parses one mailbox; throws permanent_error ("header_injection" for a line
/// break, "invalid_address" otherwise) naming `field`, e.g. "to[1]".
mailbox parse_mailbox(std::string_view text, const std::string& field);

/// The mailbox as an RFC 5322 header writes it, its name encoded if needed.
std::string format_mailbox(const mailbox& m);

/// A comma-separated mailbox list, folded between mailboxes so lines stay
/// near 78 characters; `used` is how much of the first line the header name took.
std::string format_mailbox_list(const std::vector<mailbox>& list, std::size_t used);

}  // namespace jobforge::handlers

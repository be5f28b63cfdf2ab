#pragma once
/// Reads an `email.send` payload into the message to send: addresses,
/// subject, body given inline or by template, attachments.

#include "handlers/email_message.hpp"
#include "handlers/email_send.hpp"

#include <boost/json/object.hpp>

namespace jobforge::handlers {

/// The message a (schema-valid) payload asks for. Throws permanent_error
/// with a code and a message naming the field: "missing_sender",
/// "invalid_address", "header_injection", "missing_subject", template and
/// attachment errors (see email_template.hpp, email_attachments.hpp).
email_message read_email_payload(const boost::json::object& payload, const smtp_settings& settings);

}  // namespace jobforge::handlers

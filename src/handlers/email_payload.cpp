#include "handlers/email_payload.hpp"

#include "handlers/email_attachments.hpp"
#include "handlers/email_template.hpp"
#include "model/handler.hpp"

namespace jobforge::handlers {

namespace {

std::vector<mailbox> read_mailboxes(const boost::json::object& payload, const char* key) {
  std::vector<mailbox> out;
  const auto* v = payload.if_contains(key);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.push_back(parse_mailbox(v->get_string(), key));
    return out;
  }
  if (!v->is_array())
    throw permanent_error("invalid_address", std::string(key) + " must be a string or an array");
  const auto& list = v->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    if (!list[i].is_string()) throw permanent_error("invalid_address", field + " must be a string");
    out.push_back(parse_mailbox(list[i].get_string(), field));
  }
  return out;
}

std::optional<std::string> optional_string(const boost::json::object& payload, const char* key) {
  const auto* v = payload.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

email_message read_email_payload(const boost::json::object& payload,
                                 const smtp_settings& settings) {
  email_message m;
  const auto from = optional_string(payload, "from");
  if (from) {
    m.from = parse_mailbox(*from, "from");
  } else if (!settings.from.empty()) {
    m.from = parse_mailbox(settings.from, "smtp.from");
  } else {
    throw permanent_error("missing_sender",
                          "from: the payload names no sender and no default is configured "
                          "(smtp.from)");
  }
  m.to = read_mailboxes(payload, "to");
  m.cc = read_mailboxes(payload, "cc");
  m.bcc = read_mailboxes(payload, "bcc");
  if (m.to.empty() && m.cc.empty() && m.bcc.empty())
    throw permanent_error("invalid_address", "to: at least one recipient is required");

  std::optional<std::string> subject = optional_string(payload, "subject");
  const char* subject_field = "subject";
  if (const auto name = optional_string(payload, "template")) {
    const auto* variables = payload.if_contains("variables");
    auto rendered = render_email_template(settings.templates_dir, *name,
                                          variables ? *variables : boost::json::value{});
    if (!subject && rendered.subject) {
      subject = std::move(rendered.subject);
      subject_field = "subject (rendered from the template's .subject file)";
    }
    m.text = std::move(rendered.text);
    m.html = std::move(rendered.html);
  } else {
    m.text = optional_string(payload, "text");
    m.html = optional_string(payload, "html");
  }
  if (!m.text && !m.html)
    throw permanent_error("missing_body", "text, html or template is required");
  if (!subject)
    throw permanent_error("missing_subject",
                          "subject is required (in the payload, or as the template's .subject)");
  if (subject->find_first_of("\r\n") != std::string::npos)
    throw permanent_error("header_injection",
                          std::string(subject_field) + " contains a line break");
  m.subject = std::move(*subject);

  if (const auto* attachments = payload.if_contains("attachments")) {
    if (!attachments->is_array())
      throw permanent_error("invalid_attachment", "attachments must be an array");
    m.attachments = load_attachments(attachments->get_array(), settings.attachments_dir,
                                     settings.max_attachment_bytes);
  }
  return m;
}

}  // namespace jobforge::handlers

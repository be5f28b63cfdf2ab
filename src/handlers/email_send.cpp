#include "handlers/email_send.hpp"

#include "handlers/email_payload.hpp"
#include "handlers/email_smtp_delivery.hpp"
#include "handlers/mime_message.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>

namespace jobforge::handlers {

namespace json = boost::json;

namespace {

// One address or a list; the pattern keeps line breaks out of headers at
// submission already (the handler checks again, for defaults and templates).
json::value address_list_schema() {
  return json::parse(R"({"anyOf": [
    {"type": "string", "minLength": 3, "maxLength": 320, "pattern": "^[^\\r\\n]*$"},
    {"type": "array", "minItems": 1, "maxItems": 100,
     "items": {"type": "string", "minLength": 3, "maxLength": 320, "pattern": "^[^\\r\\n]*$"}}
  ]})");
}

json::value payload_schema() {
  json::value schema = json::parse(R"({
    "type": "object",
    "properties": {
      "from": {"type": "string", "minLength": 3, "maxLength": 320, "pattern": "^[^\\r\\n]*$"},
      "subject": {"type": "string", "maxLength": 900, "pattern": "^[^\\r\\n]*$"},
      "text": {"type": "string", "maxLength": 1048576},
      "html": {"type": "string", "maxLength": 1048576},
      "template": {"type": "string", "maxLength": 64,
                   "pattern": "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$"},
      "variables": {"type": "object"},
      "attachments": {
        "type": "array", "maxItems": 50,
        "items": {
          "type": "object",
          "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255,
                     "pattern": "^[^\\r\\n]*$"},
            "content_type": {"type": "string", "maxLength": 127,
                             "pattern": "^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$"},
            "content_base64": {"type": "string"},
            "path": {"type": "string", "minLength": 1, "maxLength": 1024}
          },
          "required": ["name"],
          "oneOf": [{"required": ["content_base64"]}, {"required": ["path"]}],
          "additionalProperties": false
        }
      }
    },
    "allOf": [
      {"anyOf": [{"required": ["to"]}, {"required": ["cc"]}, {"required": ["bcc"]}]},
      {"anyOf": [{"required": ["text"]}, {"required": ["html"]}, {"required": ["template"]}]},
      {"anyOf": [{"required": ["subject"]}, {"required": ["template"]}]},
      {"not": {"anyOf": [{"required": ["template", "text"]}, {"required": ["template", "html"]}]}}
    ],
    "dependencies": {"variables": ["template"]},
    "additionalProperties": false
  })");
  auto& properties = schema.as_object()["properties"].as_object();
  for (const char* key : {"to", "cc", "bcc"})
    properties[key] = address_list_schema();
  return schema;
}

// Every envelope recipient once, Bcc included, in the order given.
std::vector<std::string> envelope_recipients(const email_message& m) {
  std::vector<std::string> out;
  for (const auto* list : {&m.to, &m.cc, &m.bcc})
    for (const auto& box : *list)
      if (std::find(out.begin(), out.end(), box.address) == out.end()) out.push_back(box.address);
  return out;
}

std::string failure_text(const delivery_outcome& outcome, const std::string& server) {
  if (!outcome.reply.empty())
    return "SMTP server " + server + " replied \"" + outcome.reply + "\" (" + outcome.error + ")";
  return "could not deliver through " + server + ": " + outcome.error;
}

handler_result send_email(const smtp_settings& settings, handler_context& ctx,
                          const json::value& payload) {
  const auto stopped = [&ctx] {
    const auto reason = ctx.stop().reason();
    return handler_result::transient(
        "interrupted", "stopped (" + std::string(reason ? to_string(*reason) : "stop") +
                           ") before the server accepted the message");
  };
  if (ctx.stop().stop_requested()) return stopped();
  if (!payload.is_object()) return handler_result::permanent("invalid_payload", "not an object");
  email_message message;
  try {
    message = read_email_payload(payload.get_object(), settings);
  } catch (const permanent_error& e) {
    return handler_result::permanent(e.code(), e.what());
  }
  const mime_message mime = write_mime_message(message, std::chrono::system_clock::now());
  const smtp_envelope envelope{message.from.address, envelope_recipients(message)};
  const auto recipients = static_cast<std::int64_t>(envelope.recipients.size());
  ctx.report_progress(10, "sending", std::to_string(recipients) + " recipient(s)");

  const delivery_outcome outcome = deliver_over_smtp(settings, envelope, mime.data, ctx.stop());
  const std::string server = settings.host + ":" + std::to_string(settings.port);
  // Whatever the server said is the delivery status the job record shows.
  const std::string reply = outcome.reply.empty() ? outcome.error : outcome.reply;
  switch (outcome.status) {
    case delivery_status::sent: {
      json::object status{{"delivery", "sent"}, {"reply", reply}, {"message_id", mime.message_id}};
      ctx.save_checkpoint(status);
      ctx.report_progress(100, "sent", reply);
      status["recipients"] = recipients;
      return handler_result::ok(std::move(status));
    }
    case delivery_status::bounced:
      ctx.save_checkpoint(json::object{{"delivery", "bounced"}, {"reply", reply}});
      return handler_result::permanent("bounced", failure_text(outcome, server));
    case delivery_status::deferred:
      ctx.save_checkpoint(json::object{{"delivery", "deferred"}, {"reply", reply}});
      return handler_result::transient("deferred", failure_text(outcome, server));
    case delivery_status::interrupted:
      break;
  }
  return stopped();
}

}  // namespace

job_type email_send_type(smtp_settings settings) {
  job_type t;
  t.name = "email.send";
  t.description =
      "Sends an e-mail through the configured SMTP server: text and/or HTML (or a mustache "
      "template by name with variables), to/cc/bcc, attachments inline (base64) or from the "
      "attachments folder. 4xx replies and connection failures retry (`deferred`), 5xx fail "
      "for good (`bounced`); the delivery status is kept as the job's checkpoint.";
  t.schema = payload_schema();
  t.samples = email_send_samples();
  t.sample_payload = t.samples.at("notification");
  t.defaults.max_attempts = 5;
  t.defaults.timeout_ms = 60'000;
  // Mail servers defer for minutes (greylisting, rate limits): back off from
  // half a minute to an hour rather than hammering them.
  t.defaults.retry.initial_backoff_ms = 30'000;
  t.defaults.retry.multiplier = 4.0;
  t.defaults.retry.max_backoff_ms = 3'600'000;
  t.max_timeout_ms = 600'000;
  // Inline attachments arrive base64-encoded, a third larger than their limit.
  t.max_payload_bytes =
      std::max<std::size_t>(t.max_payload_bytes, settings.max_attachment_bytes / 3 * 4 + (3 << 20));
  t.handler = [settings = std::move(settings)](handler_context& ctx, const json::value& payload) {
    return send_email(settings, ctx, payload);
  };
  return t;
}

json::object email_send_samples() {
  return json::parse(R"({
    "welcome": {
      "to": "Ann Lee <ann@example.com>",
      "template": "welcome",
      "variables": {"name": "Ann", "product": "jobforge",
                    "login_url": "https://example.com/login", "trial_days": 14}
    },
    "notification": {
      "to": ["ops@example.com"],
      "cc": "Team Lead <lead@example.com>",
      "subject": "Nightly report ready",
      "text": "The nightly report finished at 02:14 UTC.\nDownload it from https://example.com/reports/nightly.\n",
      "html": "<p>The nightly report finished at 02:14 UTC.</p>\n<p><a href=\"https://example.com/reports/nightly\">Download it</a></p>\n"
    }
  })")
      .as_object();
}

}  // namespace jobforge::handlers

#include "handlers/webhook_deliver.hpp"

#include "handlers/http_exchange.hpp"
#include "handlers/http_retry_after.hpp"
#include "handlers/webhook_signature.hpp"
#include "model/webhook.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace jobforge::handlers {
namespace {

bool is_header_safe(std::string_view value) {
  if (value.size() > 200) return false;
  for (const char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

handler_result classify(const http_exchange_response& r) {
  const std::string what = "the receiver answered " + std::to_string(r.status);
  if (r.status >= 200 && r.status < 300)
    return handler_result::ok(
        boost::json::object{{"status", r.status}, {"elapsed_ms", r.elapsed_ms}});
  // A receiver that is overloaded, restarting or asking us to wait: later.
  if (r.status == 408 || r.status == 429 || r.status >= 500) {
    const std::string code = "http_" + std::to_string(r.status);
    if (auto value = r.header("retry-after"))
      if (auto wait = parse_retry_after(*value, std::chrono::system_clock::now()))
        return handler_result::transient_after(code, what, *wait);
    return handler_result::transient(code, what);
  }
  // Anything else (a 404, a redirect we do not follow) will not change by
  // itself: the delivery is dead-lettered, where an operator can replay it.
  return handler_result::permanent("http_" + std::to_string(r.status), what);
}

}  // namespace

job_type webhook_deliver_type(webhook_delivery_settings settings) {
  job_type t;
  t.name = webhook_delivery_type;
  t.description =
      "Delivers one job status change to a webhook: a POST of the event as JSON, signed with "
      "HMAC-SHA256 (X-Jobforge-Signature: sha256=<hex>). Made by jobforge itself for every "
      "job's webhook_url and every configured webhook; 2xx is delivered, 408/429/5xx and network "
      "errors are retried with backoff (Retry-After honoured), other answers fail for good.";
  t.schema = boost::json::parse(R"({
    "type": "object",
    "properties": {
      "url": {"type": "string", "pattern": "^https?://", "maxLength": 2048},
      "event": {"type": "object"}
    },
    "required": ["url", "event"],
    "additionalProperties": false
  })");
  t.sample_payload = boost::json::parse(
      R"({"url": "http://127.0.0.1:9000/hooks/jobforge",
          "event": {"event": "job.completed", "job_id": "00000000-0000-4000-8000-000000000000",
                    "type": "noop", "to": "completed"}})");
  t.defaults.max_attempts = settings.max_attempts;
  t.defaults.retry.initial_backoff_ms = settings.initial_backoff_ms;
  t.defaults.retry.max_backoff_ms = settings.max_backoff_ms;
  t.defaults.retry.multiplier = 2.0;
  t.defaults.retry.jitter = 0.2;
  t.defaults.timeout_ms = settings.timeout_ms + 5'000;
  t.defaults.priority = priority::high;  // a status change is news only while fresh
  t.handler = [settings](handler_context& ctx, const boost::json::value& payload) {
    const auto& p = payload.as_object();
    const auto url = std::string(p.at("url").as_string());
    if (auto ok = check_webhook_url(url, "url"); !ok)
      return handler_result::permanent("invalid_url", ok.error_value().message);
    const auto& event = p.at("event").as_object();
    http_exchange_request request;
    request.method = "POST";
    request.url = url;
    request.body = boost::json::serialize(event);
    request.timeout_ms = settings.timeout_ms;
    request.max_body_bytes = 4096;  // the answer is only read for its status
    request.header_lines = {"Content-Type: application/json", "User-Agent: jobforge",
                            "X-Jobforge-Delivery: " + to_string(ctx.job()),
                            "X-Jobforge-Attempt: " + std::to_string(ctx.attempt())};
    // The payload may have been edited on a replay: only a clean name goes in a header.
    if (const auto* name = event.if_contains("event");
        name && name->is_string() && is_header_safe(name->get_string()))
      request.header_lines.push_back("X-Jobforge-Event: " + std::string(name->get_string()));
    if (!settings.secret.empty())
      request.header_lines.push_back("X-Jobforge-Signature: " +
                                     webhook_signature(settings.secret, *request.body));
    const auto response = perform_exchange(request, ctx.stop());
    if (response.failure) return handler_result::failure(*response.failure);
    return classify(response);
  };
  return t;
}

}  // namespace jobforge::handlers

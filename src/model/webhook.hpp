#pragma once
/// Webhooks (SPEC §4 / issue 7): which status changes of a job are POSTed
/// where, and what the POST says. Pure rules; the runtime turns each
/// delivery into a job of the delivery type, so deliveries are durable,
/// retried with backoff and visible like any other work.

#include "model/error.hpp"
#include "model/job.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge {

/// A configured webhook: status changes of jobs of `types` go to `url`.
struct webhook_rule {
  std::string url;
  std::vector<std::string> types;  ///< empty = every type
  std::vector<job_status> events;  ///< statuses reached; empty = completed, failed, canceled
};

/// The job type that delivers webhooks; its own jobs never call webhooks.
inline constexpr const char* webhook_delivery_type = "webhook.deliver";

/// The webhooks part of the runtime's configuration.
struct webhook_settings {
  std::vector<webhook_rule> rules;
};

/// The statuses a webhook fires on when it names none.
std::vector<job_status> default_webhook_events();

/// Checks a webhook URL: http or https, a host, no spaces or control
/// characters, at most 2048 bytes. The error names `field`.
expected<void> check_webhook_url(std::string_view url, const std::string& field);

/// The URLs the latest change of `j` (its last history entry) must be
/// POSTed to: the job's own `webhook_url` and every matching rule, each URL
/// once, in that order.
std::vector<std::string> webhook_urls_for(const job& j, const webhook_settings& settings);

/// The body of a delivery: the change and a summary of the job (id, type,
/// tenant, tags, attempts; the result when completed, the error when failed).
boost::json::value webhook_event(const job& j);

}  // namespace jobforge

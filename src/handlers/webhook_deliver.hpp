#pragma once
/// `webhook.deliver`: POSTs one job status change to one URL (see
/// model/webhook.hpp). The runtime makes these jobs itself; as jobs they are
/// durable, retried with backoff and bounded in attempts, so a dead receiver
/// never blocks anything and a delivery survives a restart.

#include "model/job_type.hpp"

#include <cstdint>
#include <string>

namespace jobforge::handlers {

/// The `webhooks` section of the configuration, as the deliverer needs it.
struct webhook_delivery_settings {
  std::string secret;  ///< signs every body (X-Jobforge-Signature); empty = unsigned
  int max_attempts = 10;
  std::int64_t initial_backoff_ms = 1'000;
  std::int64_t max_backoff_ms = 600'000;
  std::int64_t timeout_ms = 10'000;  ///< one delivery attempt, connect included
};

job_type webhook_deliver_type(webhook_delivery_settings settings);

}  // namespace jobforge::handlers

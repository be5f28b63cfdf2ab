#include "actors/webhook_outbox.hpp"

#include <spdlog/spdlog.h>

namespace jobforge {

std::vector<store_write> change_writes(const runtime_env& env, const job_ptr& changed,
                                       timestamp now, std::vector<job_ptr>& deliveries) {
  std::vector<store_write> writes{put_job{changed}};
  const auto urls = webhook_urls_for(*changed, env.config.webhooks);
  if (urls.empty()) return writes;
  const auto event = webhook_event(*changed);
  for (const auto& url : urls) {
    job_request request;
    request.type = webhook_delivery_type;
    request.payload = boost::json::object{{"url", url}, {"event", event}};
    request.tenant = changed->tenant;
    auto delivery = env.types->prepare(request, job_id::generate_time_ordered(*env.rng, now), now);
    if (!delivery) {
      // Only a server without the delivery type, or with an incompatible
      // one, gets here; a job's own URL was refused at submission then.
      spdlog::error("job {}: no webhook delivery to {}: {}", to_string(changed->id), url,
                    delivery.error_value().message);
      continue;
    }
    auto ptr = std::make_shared<const job>(std::move(delivery).value());
    writes.push_back(put_job{ptr});
    deliveries.push_back(std::move(ptr));
  }
  return writes;
}

}  // namespace jobforge

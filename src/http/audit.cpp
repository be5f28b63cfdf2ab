#include "http/audit.hpp"

#include <spdlog/spdlog.h>

namespace jobforge::http {

void audit(const caller& who, std::string_view action, std::string_view target,
           const error* failed) {
  spdlog::info("audit: actor={} tenant={} role={} action={} target={} outcome={}", who.actor(),
               who.tenant, to_string(who.role), action, target,
               failed ? to_string(failed->code) : std::string_view("done"));
}

}  // namespace jobforge::http

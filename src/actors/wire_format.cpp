#include "actors/wire_format.hpp"

#include <caf/actor_system_config.hpp>

namespace jobforge {

void announce_wire_types(caf::actor_system_config& cfg) {
  // The names are part of the protocol: a renamed type is a new version.
  cfg.add_message_type<job_id>("jf_job_id");
  cfg.add_message_type<stop_reason>("jf_stop_reason");
  cfg.add_message_type<attempt_order>("jf_attempt_order");
  cfg.add_message_type<attempt_outcome>("jf_outcome");
  cfg.add_message_type<progress_report>("jf_progress_report");
  cfg.add_message_type<attempt_log>("jf_attempt_log");
  cfg.add_message_type<join_request>("jf_join_request");
  cfg.add_message_type<join_reply>("jf_join_reply");
  cfg.add_message_type<executor_offer>("jf_offer");
  cfg.add_message_type<result_chunk>("jf_chunk");
  cfg.add_message_type<routed_order>("jf_routed_order");
  cfg.add_message_type<std::vector<routed_order>>("jf_orders");
  cfg.add_message_type<std::vector<attempt_outcome>>("jf_outcomes");
}

}  // namespace jobforge

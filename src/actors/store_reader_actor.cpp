#include "actors/store_reader_actor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {

void report_unreadable(std::unordered_set<job_id>& reported,
                       const std::vector<unreadable_job>& jobs) {
  for (const auto& j : jobs)
    if (reported.insert(j.id).second)
      spdlog::error("store: job {} is stored but cannot be read, lists show it as unreadable: {}",
                    to_string(j.id), j.reason);
}

caf::behavior store_reader_actor(caf::stateful_actor<store_reader_state>* self,
                                 std::shared_ptr<store_reader> reader) {
  self->state.reader = std::move(reader);
  return {
      [=](fetch_atom, const job_id& id) -> job_reply {
        auto found = self->state.reader->get(id);
        if (!found) return std::move(found).error_value();
        if (!found.value()) return error{error_code::not_found, "no job " + to_string(id)};
        return std::move(*found.value());
      },
      [=](list_atom, const job_query& query) -> page_reply {
        auto page = self->state.reader->list(query);
        if (page) report_unreadable(self->state.reported_unreadable, page->unreadable);
        return page;
      },
  };
}

}  // namespace jobforge

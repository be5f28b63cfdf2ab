#pragma once
/// A reader of the store beside the store writer: it owns one store_reader
/// (a database connection of its own) and answers the reads the writer
/// hands it after committing what came before them, so that a list of a
/// thousand jobs neither waits for a commit nor holds the next one up.
/// Spawned detached and linked by the writer (a read waits for the
/// database, and must not hold one of CAF's scheduler threads).
///
/// Receives: (fetch_atom, id) -> job_reply; (list_atom, query) -> page_reply.

#include "actors/protocol.hpp"
#include "store/store.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <unordered_set>
#include <vector>

namespace jobforge {

/// Logs each job a list found unreadable, once per job and `reported` set.
void report_unreadable(std::unordered_set<job_id>& reported,
                       const std::vector<unreadable_job>& jobs);

struct store_reader_state {
  std::shared_ptr<store_reader> reader;
  /// Jobs a list found unreadable and that were logged (once each).
  std::unordered_set<job_id> reported_unreadable;
  static inline const char* name = "store_reader";
};

caf::behavior store_reader_actor(caf::stateful_actor<store_reader_state>* self,
                                 std::shared_ptr<store_reader> reader);

}  // namespace jobforge

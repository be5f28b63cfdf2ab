#pragma once
/// The store writer: the only actor that touches the store. It batches every
/// write that arrives while a batch is open into one transaction (group
/// commit), keeps only the last write of each job in a batch, and
/// acknowledges each write only after its batch committed.
///
/// Receives: (persist_atom, writes) -> void_reply; (sync_atom) -> void_reply;
/// (fetch_atom, id) -> job_reply; (read_atom, id) -> job_reply (no commit);
/// (list_atom, query) -> page_reply;
/// (stats_atom) -> store_writer_stats; (count_atom) -> counts_reply;
/// (prune_atom, cutoff, limit) ->
/// count_reply; (flush_atom) and (flush_atom, bool) from itself.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "store/store.hpp"

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace jobforge {

/// Group commit limits.
struct store_writer_limits {
  std::size_t max_batch = 4096;  ///< writes per transaction
  std::string results_dir;       ///< result files of deleted jobs are removed from here
  /// How long writes that nobody waits for (a job that started, ended or
  /// reported progress) may wait for company before they commit on their
  /// own. An awaited write (a submission) commits at once and takes them
  /// along, so a sequential client's submission pays one commit instead of
  /// waiting behind the previous job's end. 0: commit as soon as possible.
  std::chrono::microseconds idle_commit_delay{0};
};

struct store_writer_state {
  std::shared_ptr<store> backend;
  store_writer_limits limits;
  std::vector<store_write> batch;
  /// Where each job's last write in `batch` is, so that a read sees it.
  std::unordered_map<job_id, std::size_t> latest_in_batch;
  std::vector<caf::response_promise> waiting;
  bool flush_pending = false;
  bool delayed_flush_armed = false;
  store_writer_stats stats;
  /// Jobs a list found unreadable and that were logged (once each).
  std::unordered_set<job_id> reported_unreadable;
  static inline const char* name = "store_writer";
};

caf::behavior store_writer(caf::stateful_actor<store_writer_state>* self,
                           std::shared_ptr<store> backend, store_writer_limits limits);

}  // namespace jobforge

#pragma once
/// The store writer: the only actor that touches the store. It batches every
/// write that arrives while a batch is open into one transaction (group
/// commit), keeps only the last write of each job in a batch, and
/// acknowledges each write only after its batch committed.
///
/// Receives: (persist_atom, writes) -> void_reply;
/// (persist_submission_atom, writes, submit_result, scheduler) -> submit_reply;
/// (sync_atom) -> void_reply;
/// (fetch_atom, id) -> job_reply; (read_atom, id) -> job_reply (no commit);
/// (list_atom, query) -> page_reply (the last two answered by a reader
/// actor, store_reader_actor.hpp, when the store has readers);
/// (stats_atom) -> store_writer_stats; (count_atom) -> counts_reply;
/// (prune_atom, cutoff, limit) ->
/// count_reply; (flush_atom), (flush_atom, bool) and (store_retry_atom)
/// from itself.
///
/// A commit the store refuses as `unavailable` (a full or failing disk, a
/// database that went away) fails the writes somebody waits for, as any
/// failed commit does: their callers hear of it and change nothing. The
/// writes nobody waits for (a job's start, end, progress) are kept and
/// tried again with a growing pause until the store takes them, so that
/// memory and store agree again once it is back. Meanwhile `store_outage`
/// says so: the scheduler refuses new submissions, /ready answers 503, and
/// an awaited write fails at once.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "actors/store_outage.hpp"
#include "store/store.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobforge {

/// (persist_submission_atom, std::vector<store_write>, submit_result,
/// caf::actor scheduler) -> submit_reply: a submission's writes, delegated
/// by the scheduler with the submitter's request, so that the writer
/// answers the submitter itself once they are committed (one thread
/// hand-off less on the way back). It first tells the scheduler
/// (submissions_committed_atom), so that whatever the submitter sends next
/// finds the job admitted.
using persist_submission_atom = caf::atom_constant<caf::atom("jf_psubm")>;
/// (submissions_committed_atom, std::vector<job_id>, void_reply), writer to
/// scheduler: these submissions' commit ended (all alike).
using submissions_committed_atom = caf::atom_constant<caf::atom("jf_subcm")>;
/// (store_retry_atom), to itself: try the writes the store refused again.
using store_retry_atom = caf::atom_constant<caf::atom("jf_sretry")>;

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
  /// Set while the store refuses commits (shared with the scheduler and
  /// /ready); null: the writer keeps its own.
  std::shared_ptr<store_outage> outage;
  /// The pause before the first retry of refused writes; it doubles up to
  /// `max_retry_pause`.
  std::chrono::milliseconds first_retry_pause{50};
  std::chrono::milliseconds max_retry_pause{2'000};
  /// The store's readers (store::open_readers): each gets a reader actor,
  /// and fetches and lists are handed to them in turn once the writes
  /// before them are committed. None: the writer reads itself.
  std::vector<std::shared_ptr<store_reader>> readers;
  /// Whether the reader actors get threads of their own (not in simulated
  /// runs, whose actors all run on the deterministic coordinator).
  bool detached_readers = true;
};

struct store_writer_state {
  std::shared_ptr<store> backend;
  store_writer_limits limits;
  std::vector<store_write> batch;
  /// For each write in `batch`: whether somebody waits for it (a refused
  /// commit fails those and keeps the others).
  std::vector<bool> batch_awaited;
  /// Where each job's last write in `batch` is, so that a read sees it.
  std::unordered_map<job_id, std::size_t> latest_in_batch;
  std::vector<caf::response_promise> waiting;
  /// Submissions in the open batch, answered by the writer after the commit.
  struct waiting_submission {
    caf::response_promise promise;
    submit_result answer;
    caf::actor scheduler;
  };
  std::vector<waiting_submission> submissions;
  bool flush_pending = false;
  bool delayed_flush_armed = false;
  /// The store refused the last commit: `batch` waits for store_retry_atom.
  bool refused = false;
  std::chrono::milliseconds retry_pause{0};
  std::chrono::steady_clock::time_point last_outage_log;
  store_writer_stats stats;
  /// Jobs a list found unreadable and that were logged (once each).
  std::unordered_set<job_id> reported_unreadable;
  /// The reader actors, and which one takes the next read.
  std::vector<caf::actor> readers;
  std::size_t next_reader = 0;
  static inline const char* name = "store_writer";
};

caf::behavior store_writer(caf::stateful_actor<store_writer_state>* self,
                           std::shared_ptr<store> backend, store_writer_limits limits);

}  // namespace jobforge

// Local only: a submission's answer travels from the scheduler to the
// store writer inside the process (never over the network).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::submit_result)

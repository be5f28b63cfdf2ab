#pragma once
/// The whole conversation between jobforge's actors, in one place.
///
///   client ──submit/cancel/replay/pause──▶ scheduler ──persist──▶ store_writer
///                                            │  ▲
///              run(executor) / exit(cancel)  │  │ released / lost / requeue / finished
///                                            ▼  │
///                                       job_supervisor ──persist──▶ store_writer
///                                            │  ▲            └──event──▶ event_hub ──▶ subscribers
///                        attempt / stop      │  │ outcome, progress
///                                            ▼  │
///                                         executor (handler runs on its worker thread,
///                                                   or inline with simulated time)
///
///   worker node ──join/offer/heartbeat──▶ cluster_gateway ──offer/node_down──▶ scheduler
///
/// The messages between a supervisor and an executor, and those of a worker
/// node joining, cross the network when the executor is on a worker node:
/// their types have an `inspect` (actors/wire_format.hpp) and are announced
/// to CAF (announce_wire_types). The rest stay in the coordinator's process
/// and are allowed as unsafe (non-serialised) message types.

#include "model/error.hpp"
#include "model/handler.hpp"
#include "model/job.hpp"
#include "model/job_log_book.hpp"
#include "model/job_request.hpp"
#include "model/job_type.hpp"
#include "model/schedule_status.hpp"
#include "store/store.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobforge {

// --- client -> scheduler ------------------------------------------------------

/// (submit_atom, job_request) -> submit_reply
using submit_atom = caf::atom_constant<caf::atom("jf_submit")>;
/// (submit_batch_atom, std::vector<batch_entry>) -> batch_reply: all or none.
using submit_batch_atom = caf::atom_constant<caf::atom("jf_batch")>;
/// (fire_atom, schedule_firing) -> batch_reply: a schedule's jobs, admitted
/// like a batch and stored in one transaction with the schedule's record.
using fire_atom = caf::atom_constant<caf::atom("jf_fire")>;
/// (cancel_atom, job_id, cancel_request) -> job_reply (once the job is canceled)
using cancel_atom = caf::atom_constant<caf::atom("jf_cancel")>;
/// (wait_atom, job_id) -> job_reply once the job is terminal
using wait_atom = caf::atom_constant<caf::atom("jf_wait")>;
/// (replay_atom, job_id, replay_request) -> job_reply
using replay_atom = caf::atom_constant<caf::atom("jf_replay")>;
/// (discard_atom, job_id) -> job_reply (the discarded job)
using discard_atom = caf::atom_constant<caf::atom("jf_discard")>;
/// (depend_atom, job_id, std::vector<job_id> parents) -> job_reply: more
/// parents for a blocked job (a cycle is refused)
using depend_atom = caf::atom_constant<caf::atom("jf_depend")>;
/// (undepend_atom, job_id, parent) -> job_reply: a blocked job stops waiting on a parent
using undepend_atom = caf::atom_constant<caf::atom("jf_undep")>;
/// (pause_atom, type) / (resume_atom, type) -> void_reply
using pause_atom = caf::atom_constant<caf::atom("jf_pause")>;
using resume_atom = caf::atom_constant<caf::atom("jf_resume")>;
/// (stats_atom) -> scheduler_stats
using stats_atom = caf::atom_constant<caf::atom("jf_stats")>;
/// (priority_atom, job_id, priority, std::string by) -> job_reply: a job
/// that has not started (scheduled, blocked or pending) takes a new
/// priority; its history records the change and who asked.
using priority_atom = caf::atom_constant<caf::atom("jf_prio")>;
/// (drain_atom, std::int64_t grace_ms) -> void_reply once no attempt runs:
/// graceful shutdown. Submissions and replays are refused from then on and
/// nothing more is dispatched; attempts still running after the grace are
/// stopped and their jobs returned to pending.
using drain_atom = caf::atom_constant<caf::atom("jf_drain")>;
/// (drain_over_atom): scheduler to itself when the drain's grace is over.
using drain_over_atom = caf::atom_constant<caf::atom("jf_drainov")>;

// --- client -> store_writer ---------------------------------------------------

/// (fetch_atom, job_id) -> job_reply
using fetch_atom = caf::atom_constant<caf::atom("jf_fetch")>;
/// (read_atom, job_id) -> job_reply: the job's latest write, committed or not,
/// without forcing a commit (for the actors that make a job's next move).
using read_atom = caf::atom_constant<caf::atom("jf_read")>;
/// (list_atom, job_query) -> page_reply
using list_atom = caf::atom_constant<caf::atom("jf_list")>;
/// (persist_atom, std::vector<store_write>) -> void_reply once committed
using persist_atom = caf::atom_constant<caf::atom("jf_persist")>;
/// (flush_atom): store_writer to itself, commits the open batch.
using flush_atom = caf::atom_constant<caf::atom("jf_flush")>;
/// (prune_atom, std::int64_t cutoff_unix_ms, std::size_t limit) -> count_reply:
/// deletes up to `limit` jobs that finished before the cutoff.
using prune_atom = caf::atom_constant<caf::atom("jf_prune")>;
/// (count_atom) -> counts_reply: jobs in the store by status.
using count_atom = caf::atom_constant<caf::atom("jf_count")>;
/// (sync_atom) -> void_reply once every write received before it is committed.
using sync_atom = caf::atom_constant<caf::atom("jf_sync")>;

// --- executors and nodes -> scheduler -------------------------------------------

/// (offer_atom, executor_offer): a node's executors for the scheduler to
/// hand out (the local pool at start-up and for every replacement; the
/// cluster gateway for worker nodes). The scheduler monitors each one.
/// (offer_atom, std::uint64_t session, caf::actor): a worker node to the
/// gateway, an executor replacing one it lost.
using offer_atom = caf::atom_constant<caf::atom("jf_offer")>;
/// (node_down_atom, std::string node, std::uint64_t session): gateway ->
/// scheduler, the node left or was lost: it runs nothing more.
using node_down_atom = caf::atom_constant<caf::atom("jf_nodedn")>;
/// (executor_lost_atom, caf::actor_addr executor, std::string node):
/// scheduler -> supervisor, the executor running its attempt is gone with
/// its node.
using executor_lost_atom = caf::atom_constant<caf::atom("jf_exlost")>;
/// (nodes_atom) -> std::vector<node_load>: the scheduler's view of each
/// node; to the cluster gateway: its records of the nodes.
using nodes_atom = caf::atom_constant<caf::atom("jf_nodes")>;
/// (runnable_atom) -> std::vector<std::string>: the types some node that is
/// up runs.
using runnable_atom = caf::atom_constant<caf::atom("jf_runnabl")>;

// --- scheduler <-> job_supervisor ---------------------------------------------

/// (run_atom, executor_ref): scheduler -> supervisor, start an attempt.
using run_atom = caf::atom_constant<caf::atom("jf_run")>;
/// (released_atom, caf::actor executor): supervisor -> scheduler, slot free.
using released_atom = caf::atom_constant<caf::atom("jf_release")>;
/// (lost_atom, caf::actor executor): supervisor -> scheduler, executor
/// abandoned (its handler ignored a stop); the scheduler replaces it.
using lost_atom = caf::atom_constant<caf::atom("jf_lost")>;
/// (requeue_atom, job_id, priority): supervisor -> scheduler, back to pending
/// (behind the jobs waiting now). (requeue_atom, job_id, priority,
/// std::int64_t since_unix_ms): back to pending in the place it had when it
/// became pending at `since` (an attempt lost with its node was no fault of
/// the job's: it keeps its turn).
using requeue_atom = caf::atom_constant<caf::atom("jf_requeue")>;
/// (interrupt_atom): scheduler -> supervisor at the end of a drain: stop the
/// running attempt, return the job to pending, and end.
using interrupt_atom = caf::atom_constant<caf::atom("jf_intrpt")>;
/// (admit_atom, std::vector<job_ptr>): supervisor or scheduler -> scheduler:
/// queue jobs already committed (webhook deliveries made by a status change).
using admit_atom = caf::atom_constant<caf::atom("jf_admit")>;
/// (finished_atom, job_snapshot): supervisor -> scheduler, job is terminal.
using finished_atom = caf::atom_constant<caf::atom("jf_finish")>;
/// (wake_atom): scheduler to itself when a run_at or rate-limit time is due.
using wake_atom = caf::atom_constant<caf::atom("jf_wake")>;
/// (reread_atom, job_id): scheduler to itself, to read a job again after the
/// store failed to answer; (reread_atom, std::int64_t delay_ms): a supervisor
/// to itself, the same for its job, `delay_ms` being the wait just served.
using reread_atom = caf::atom_constant<caf::atom("jf_reread")>;

/// How long to wait before reading a job again after the store failed to
/// answer `previous` ms ago (0: the first failure): 100 ms, doubling up to
/// 10 s, for as long as it fails. A job is never dropped for a failed read.
inline milliseconds next_reread_delay(milliseconds previous) {
  if (previous.count() <= 0) return milliseconds{100};
  return std::min(previous * 2, milliseconds{10'000});
}

// --- supervisor timers (delayed messages to itself) ----------------------------

/// (retry_due_atom, attempt): the backoff of `attempt` is over.
using retry_due_atom = caf::atom_constant<caf::atom("jf_retry")>;
/// (deadline_atom, attempt): `attempt` reached its timeout.
using deadline_atom = caf::atom_constant<caf::atom("jf_deadl")>;
/// (grace_atom, attempt): the grace after a stop request is over.
using grace_atom = caf::atom_constant<caf::atom("jf_grace")>;

// --- supervisor <-> executor ---------------------------------------------------

/// (attempt_atom, attempt_order): run one attempt.
using attempt_atom = caf::atom_constant<caf::atom("jf_attempt")>;
/// (stop_atom, job_id, int attempt, stop_reason): request the running attempt to stop.
using stop_atom = caf::atom_constant<caf::atom("jf_stop")>;
/// (outcome_atom, attempt_outcome): executor -> supervisor.
using outcome_atom = caf::atom_constant<caf::atom("jf_outcome")>;
/// (result_chunk_atom, result_chunk): a worker node's executor ->
/// supervisor, a piece of a large result, before the outcome.
using result_chunk_atom = caf::atom_constant<caf::atom("jf_chunk")>;
/// (progress_atom, progress_report): executor -> supervisor, throttled.
using progress_atom = caf::atom_constant<caf::atom("jf_progres")>;
/// (link_atom, caf::actor link): a node link to its node's agent, once:
/// where the node's reports go. A link's batches: (attempt_atom,
/// std::vector<routed_order>) and (stop_atom, caf::actor executor, job_id,
/// int, stop_reason) to the agent; (outcome_atom,
/// std::vector<attempt_outcome>) back.
using link_atom = caf::atom_constant<caf::atom("jf_link")>;
/// (session_over_atom, std::string reason): the coordinator's gateway -> a
/// node's agent, when it gives the node's session up while the node may
/// still be there (its link ended, it was not heard from): the agent ends
/// the session, so that the node joins again rather than keep executors
/// nobody sends work to.
using session_over_atom = caf::atom_constant<caf::atom("jf_sessend")>;
/// (log_atom, attempt_log): a worker node's executor -> supervisor, a line
/// its handler logged, for the coordinator's log (bounded per attempt).
using log_atom = caf::atom_constant<caf::atom("jf_log")>;

// --- schedules (schedule_keeper.hpp) --------------------------------------------

/// (schedule_list_atom) -> std::vector<schedule_status>
using schedule_list_atom = caf::atom_constant<caf::atom("jf_schlist")>;
/// (schedule_create_atom, schedule_definition, std::string by) -> schedule_reply
using schedule_create_atom = caf::atom_constant<caf::atom("jf_schnew")>;
/// (schedule_delete_atom, std::string name, std::string by) -> void_reply
using schedule_delete_atom = caf::atom_constant<caf::atom("jf_schdel")>;
/// (schedule_pause_atom, std::string name, bool paused, std::string by) -> schedule_reply
using schedule_pause_atom = caf::atom_constant<caf::atom("jf_schpaus")>;
/// (schedule_trigger_atom, std::string name, std::string by) -> submit_reply:
/// one job now, the ticks left as they are.
using schedule_trigger_atom = caf::atom_constant<caf::atom("jf_schtrig")>;

// --- events ---------------------------------------------------------------------

/// (event_atom, job_event): publisher -> event_hub -> subscribers.
using event_atom = caf::atom_constant<caf::atom("jf_event")>;
/// (logs_atom, job_id) -> job_log_book::lines_of: the lines the job's
/// handler logged, as the event hub keeps them.
using logs_atom = caf::atom_constant<caf::atom("jf_logs")>;
/// (subscribe_atom, caf::actor) -> void_reply once subscribed;
/// (unsubscribe_atom, caf::actor) -> event_hub
using subscribe_atom = caf::atom_constant<caf::atom("jf_sub")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("jf_unsub")>;

/// A job snapshot shared between actors without copying.
using job_ptr = std::shared_ptr<const job>;

/// Replies carry errors as values (code + message), never as strings.
using job_reply = expected<job>;
using page_reply = expected<job_page>;
using void_reply = expected<void>;
using count_reply = expected<std::size_t>;
using counts_reply = expected<status_counts>;

/// The answer to a submission: the job, and whether it is new (false when
/// deduplicated onto an existing job).
struct submit_result {
  job value;
  bool created = true;
};
using submit_reply = expected<submit_result>;

/// One job of a batch submission. Besides the existing jobs its request's
/// depends_on names, it may depend on earlier entries of the same batch by
/// their local names.
struct batch_entry {
  std::string name;  ///< optional; unique within the batch
  job_request request;
  std::vector<std::string> depends_on_names;
};
using batch_reply = expected<std::vector<submit_result>>;

/// A schedule's firing: its jobs, and its record as it is once they are
/// made (the scheduler sets `last_job` to the last entry's job).
struct schedule_firing {
  std::vector<batch_entry> entries;
  schedule_record record;
};
using schedule_reply = expected<schedule_status>;

/// How a cancellation treats a running handler.
enum class cancel_mode {
  graceful,  ///< stop token, then wait up to the cancel grace period
  forced,    ///< abandon the handler at once
};

/// A cancellation request.
struct cancel_request {
  cancel_mode mode = cancel_mode::graceful;
  std::string reason;
  std::string by;
};

/// A replay from the dead-letter queue, optionally with a new payload.
struct replay_request {
  std::optional<boost::json::value> payload;
  std::string by;
};

/// Which assignment of a job an executor's report belongs to: the session
/// of the node it ran on (0: the coordinator's own executors) and a
/// sequence number no other assignment has. A report whose lease is not
/// the supervisor's current one (a node cut off, then back) is dropped.
struct attempt_lease {
  std::uint64_t session = 0;
  std::uint64_t sequence = 0;
  friend bool operator==(const attempt_lease& a, const attempt_lease& b) {
    return a.session == b.session && a.sequence == b.sequence;
  }
  friend bool operator!=(const attempt_lease& a, const attempt_lease& b) { return !(a == b); }
};

/// What an executor needs to run one attempt.
struct attempt_order {
  job_id id;
  int attempt = 0;
  std::string type;  ///< looked up in the executor's own registry
  boost::json::value payload;
  boost::json::value checkpoint;
  timestamp started_at{};
  timestamp deadline{};
  caf::actor supervisor;
  attempt_lease lease;
};

/// An order in a batch for a worker node (node_link to its agent): the
/// executor there that runs it. Its `order.supervisor` is empty on the
/// wire: the node's reports go back through its agent and the link.
struct routed_order {
  caf::actor executor;
  attempt_order order;
};

/// A result a worker node streamed to the coordinator before the outcome
/// (result_chunk_atom messages), so that no single message is large: a file
/// the handler produced, or a JSON result larger than one chunk.
struct streamed_result {
  std::uint64_t size = 0;
  std::string sha256;  ///< of the whole content, lowercase hex
  std::string content_type;
  bool json = false;  ///< a JSON result (kept as .json), else a file (.bin)
};

/// One piece of a streamed result.
struct result_chunk {
  job_id id;
  int attempt = 0;
  attempt_lease lease;
  std::uint64_t offset = 0;
  std::vector<char> bytes;
};

/// At most this much of a result travels in one message.
inline constexpr std::size_t result_chunk_bytes = 256 * 1024;

/// How an attempt ended.
struct attempt_outcome {
  int attempt = 0;
  attempt_lease lease;
  handler_result result;
  std::optional<job_progress> progress;  ///< the last progress report, if any
  boost::json::value checkpoint;         ///< the last checkpoint saved, or null
  bool checkpoint_saved = false;
  std::optional<stop_reason> stopped;       ///< the stop that was requested, if any
  std::optional<result_blob> result_file;   ///< a succeeded attempt's result, kept as a file
  std::optional<streamed_result> streamed;  ///< its result came in chunks before this
};

/// A progress report (with the checkpoint saved with it) on its way to the supervisor.
struct progress_report {
  int attempt = 0;
  attempt_lease lease;
  job_progress progress;
  boost::json::value checkpoint;
  bool checkpoint_saved = false;
};

/// A line a handler on a worker node logged, on its way to the job's
/// supervisor, which writes it to the coordinator's log.
struct attempt_log {
  int attempt = 0;
  attempt_lease lease;
  log_level level = log_level::info;
  std::string text;  ///< empty: only tells of lines held back
  /// Lines of this attempt not forwarded (over the limit) since the last
  /// one that was: they are in the node's own log only.
  std::uint32_t held_back = 0;
};

/// How many lines of one attempt a worker node forwards: a burst of this
/// many, then `attempt_log_lines_per_second`; longer lines are cut.
inline constexpr double attempt_log_burst = 100;
inline constexpr double attempt_log_lines_per_second = 10;
inline constexpr std::size_t attempt_log_max_bytes = 4096;

/// A worker node joined or was lost (a `node` event).
struct node_change {
  std::string node;
  std::uint64_t session = 0;
  std::string state;  ///< "up" (joined) or "lost"
  std::string host;
  std::vector<std::string> types;
  std::uint32_t capacity = 0;
  std::string reason;  ///< why it was lost
};

/// A status change, a progress report or a log line of a job, or a node's
/// change, as published to subscribers.
struct job_event {
  enum class kind { status, progress, node, log };
  kind what = kind::status;
  std::uint64_t sequence = 0;  ///< assigned by the event hub, increasing
  job_id id;
  std::string type;
  std::string tenant;  ///< the job's, so that subscribers can keep tenants apart
  std::optional<job_status> from;
  job_status to = job_status::pending;
  int attempt = 0;
  std::optional<job_error> error;
  job_progress progress;
  timestamp at{};
  /// Status changes: how long the job was in `from` (waiting, running, ...).
  milliseconds in_previous{0};
  /// Node events only (the job fields are empty then).
  std::shared_ptr<const node_change> node;
  /// Log events only: the line the job's handler logged.
  std::shared_ptr<const job_log_line> log;
};

/// An executor as the scheduler hands it to a supervisor: the actor and
/// the node (and node session) it runs on.
struct executor_ref {
  caf::actor actor;
  std::string node;
  std::uint64_t session = 0;
  /// A worker node's executor: the node's link (cluster/node_link.hpp),
  /// through which the attempt's order and stops go. Empty for local ones.
  caf::actor link;
};

/// Executors a node offers to the scheduler.
struct executor_offer {
  std::string node;
  std::uint64_t session = 0;  ///< 0: the coordinator's own executors
  /// The job types they run; nullopt: every type of the coordinator.
  std::optional<std::vector<std::string>> types;
  std::vector<caf::actor> executors;
  /// Set by the cluster gateway for a worker node's offer (not sent by the
  /// node): the link its attempts go through.
  caf::actor link;
};

/// The scheduler's view of one node (one session of it).
struct node_load {
  std::string node;
  std::uint64_t session = 0;
  bool up = true;
  std::size_t executors = 0;  ///< idle + busy
  std::size_t running = 0;
  std::uint64_t done = 0;  ///< attempts that ended on it
};

/// Counts the scheduler keeps, for stats and readiness.
struct scheduler_stats {
  std::size_t ready = 0;
  std::size_t scheduled = 0;
  std::size_t blocked = 0;
  std::size_t supervisors = 0;
  std::size_t executors = 0;
  std::size_t idle_executors = 0;
  std::size_t ready_by_priority[4] = {};
  std::vector<std::string> paused_types;  ///< job types paused now
};

/// What the store writer did: transactions, writes, how many transactions
/// carried 1, 2-3, 4-7, ... writes (bucket k: [2^k, 2^(k+1))), and how long
/// their commits took (bucket k: under 2^k microseconds, the last one open).
struct store_writer_stats {
  std::uint64_t batches = 0;
  std::uint64_t writes = 0;
  std::uint64_t by_size_log2[16] = {};
  std::uint64_t commit_us_log2[24] = {};
  double commit_seconds = 0;  ///< all commits together

  void record(std::size_t size, std::chrono::microseconds took = std::chrono::microseconds{0}) {
    ++batches;
    writes += size;
    std::size_t bucket = 0;
    while (bucket + 1 < 16 && (std::size_t{2} << bucket) <= size)
      ++bucket;
    ++by_size_log2[bucket];
    std::size_t slot = 0;
    while (slot + 1 < 24 && (std::int64_t{1} << slot) <= took.count())
      ++slot;
    ++commit_us_log2[slot];
    commit_seconds += static_cast<double>(took.count()) / 1e6;
  }
};

/// The exit reason that carries a cancellation to a job supervisor.
caf::error make_cancel_reason(const cancel_request& request);
/// The cancellation inside an exit reason, if it is one.
std::optional<cancel_request> parse_cancel_reason(const caf::error& reason);

}  // namespace jobforge

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::job_ptr>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::page_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::void_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::count_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::counts_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::submit_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::batch_entry>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::batch_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::schedule_firing)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::schedule_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::schedule_definition)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::schedule_status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::cancel_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::replay_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::executor_ref)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::node_load>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::scheduler_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_log_book::lines_of)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::store_writer_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::job_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobforge::priority)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<jobforge::store_write>)

#include "actors/wire_format.hpp"

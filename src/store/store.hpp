#pragma once
/// The store interface: everything the runtime persists (jobs with their
/// history, progress, results and errors; failed jobs are the dead-letter
/// queue) behind one interface. Only the store actor calls it, from one
/// thread, so implementations need no locking of their own. Writes come in
/// batches, each applied as one transaction (group commit).
///
/// Implementations live next to this file: memory_store, sqlite_store (and
/// PostgreSQL later). One conformance suite (tests/store/) runs against all.

#include "model/error.hpp"
#include "model/job.hpp"
#include "model/schedule_record.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jobforge {

/// Insert or replace a job (the whole snapshot, history included).
struct put_job {
  std::shared_ptr<const job> snapshot;
  /// The job's first write (a submission): no row of it is stored yet, so a
  /// store may insert it without looking for one. A store that finds one
  /// anyway (a retried commit that had gone through) must still replace it.
  bool created = false;
};

/// Remove a job for good (dead-letter discard, retention).
struct erase_job {
  job_id id;
};

/// Insert or replace a schedule's record (docs/schedules.md). A firing
/// writes it in the batch of the jobs it made.
struct put_schedule {
  std::shared_ptr<const schedule_record> record;
};

/// Remove a schedule's record (an API schedule deleted).
struct erase_schedule {
  std::string name;
};

/// One write of a batch.
using store_write = std::variant<put_job, erase_job, put_schedule, erase_schedule>;

/// Which jobs a list query wants. Every set field must match.
struct job_filter {
  std::optional<std::vector<job_status>> statuses;  ///< any of these
  std::optional<std::string> type;
  std::optional<jobforge::priority> priority;
  std::optional<std::string> tag;          ///< jobs carrying this tag
  std::optional<job_id> parent;            ///< jobs that depend on this one
  std::optional<std::string> tenant;       ///< unset: every tenant
  std::optional<timestamp> created_from;   ///< inclusive
  std::optional<timestamp> created_until;  ///< exclusive
};

/// Sort orders of a list query; ties are broken by id.
enum class job_order { created_desc, created_asc };

/// A list query: filter, order, page size and the cursor of a previous page.
struct job_query {
  job_filter filter;
  job_order order = job_order::created_desc;
  std::size_t limit = 100;  ///< 1..1000
  std::optional<std::string> cursor;
};

/// A stored job whose document cannot be read (not JSON, or not a job): a
/// list reports it by id instead of failing for every job.
struct unreadable_job {
  job_id id;
  std::string reason;
};

/// One page of results; `next_cursor` is absent on the last page. A job
/// that cannot be read takes its place on the page as `unreadable`.
struct job_page {
  std::vector<job> items;
  std::vector<unreadable_job> unreadable;
  std::optional<std::string> next_cursor;
};

/// Counts by status (for stats and readiness).
struct status_counts {
  std::size_t by_status[8] = {};
  std::size_t of(job_status s) const { return by_status[static_cast<std::size_t>(s)]; }
};

/// A deduplication key whose window is still open (for recovery).
struct dedup_claim {
  std::string tenant;
  std::string key;
  job_id id;
  timestamp until{};  ///< created_at + unique_for_ms
};

/// What the scheduler holds of a job that waits (SPEC §5): only what it
/// schedules on. Recovery reads these instead of whole jobs, and the whole
/// job is read from the store when it is needed (its dispatch, a transition).
struct job_summary {
  job_id id;
  std::string type;
  job_status status = job_status::pending;
  jobforge::priority priority = priority::normal;
  timestamp created_at{};
  std::optional<timestamp> run_at;
  std::optional<timestamp> next_attempt_at;  ///< retrying jobs: when the backoff ends
  dependency_spec dependencies;
};

/// The summary of `j`.
job_summary summarize(const job& j);

/// A job's dependency rule as the one number both stores keep in its row
/// (all a summary needs of it besides the parents): mode + 2 * policy +
/// 4 * timeout_ms.
std::int64_t dependency_rule_code(const dependency_spec& d);
/// Sets the mode, policy and timeout of `d` from such a number.
void read_dependency_rule(std::int64_t code, dependency_spec& d);

/// A connection of its own for reads (a job, a page of jobs) beside the
/// store's, used by one reader actor on its own thread: a read then neither
/// waits behind a commit nor holds the next one up. It sees what the store
/// committed, nothing of a batch still open.
class store_reader {
 public:
  virtual ~store_reader() = default;
  /// As store::get.
  virtual expected<std::optional<job>> get(const job_id& id) = 0;
  /// As store::list.
  virtual expected<job_page> list(const job_query& query) = 0;
};

/// Durable (or not) storage of jobs.
class store {
 public:
  virtual ~store() = default;

  /// Applies a batch atomically: all writes or none. Erasing an absent job
  /// is not an error.
  virtual expected<void> apply(const std::vector<store_write>& batch) = 0;

  /// One job, or nullopt when there is none with that id. A job whose
  /// stored document cannot be read is an `internal` error naming it
  /// (details: {"id", "reason"}), not a failure of the store.
  virtual expected<std::optional<job>> get(const job_id& id) = 0;

  /// A page of jobs. A cursor from a query with a different order, or a
  /// malformed one, is an `invalid_argument` error. Pages are stable under
  /// concurrent inserts: a job appears on at most one page.
  virtual expected<job_page> list(const job_query& query) = 0;

  /// Every job not in a terminal status (for recovery at start-up).
  virtual expected<std::vector<job>> load_unfinished() = 0;

  /// The summary of every job not in a terminal status, in no particular
  /// order (recovery without reading whole jobs). The default summarizes
  /// load_unfinished(); backends override it to read less.
  virtual expected<std::vector<job_summary>> load_unfinished_summaries();

  /// How many jobs there are in each status.
  virtual expected<status_counts> count_by_status() = 0;

  /// The jobs with a unique key whose window is open after `now`, whatever
  /// their status (a finished job still holds its key until the window ends).
  virtual expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) = 0;

  /// Whether a commit waits for the disk (then the store writer gets a
  /// thread of its own, so that it never holds one of the actor scheduler's).
  virtual bool commits_wait_for_disk() const { return true; }

  /// Whether the store keeps the very snapshots it is given, so that a
  /// caller holding one as well costs no memory (an in-memory store).
  virtual bool shares_snapshots() const { return false; }

  /// Every schedule record, in no particular order. A record that cannot be
  /// read is an `internal` error naming it: schedules are few, and firing
  /// one whose last tick is unknown could fire a tick twice.
  virtual expected<std::vector<schedule_record>> load_schedules() = 0;

  /// Erases up to `limit` terminal jobs that finished before `cutoff`,
  /// those that finished first first, and returns their ids (retention).
  virtual expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) = 0;
  /// The readers this store was configured with (PostgreSQL's
  /// `postgres.pool_size`), each on a connection of its own; none when
  /// reads must go through the store itself (in memory, or SQLite's
  /// exclusively locked file). `unavailable` when one cannot connect.
  virtual expected<std::vector<std::unique_ptr<store_reader>>> open_readers() {
    return std::vector<std::unique_ptr<store_reader>>{};
  }
};

/// A job's stored document (its JSON, history included) as the job, or an
/// `internal` error saying why it is not one: what every backend reads.
expected<job> read_stored_job(std::string_view document);

/// Refuses a batch with a write no backend can apply (a put without a job,
/// or of a job with the nil id), naming the write by its index.
expected<void> check_batch(const std::vector<store_write>& batch);

/// A store that keeps everything in memory: for tests and for users who
/// want no persistence.
std::unique_ptr<store> make_memory_store();

}  // namespace jobforge

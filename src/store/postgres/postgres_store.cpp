#include "store/postgres/postgres_store.hpp"

#include "model/job_codec.hpp"
#include "model/job_json_text.hpp"
#include "store/list_query.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_guarded.hpp"
#include "store/postgres/postgres_reads.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/schedule_document.hpp"
#include "store/stored_columns.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace jobforge {
namespace {

using pg::number;
using pg::param;
using stored_columns::status_code;

param number(const std::optional<timestamp>& t) {
  if (!t) return std::nullopt;
  return number(to_unix_ms(*t));
}

param unique_until(const job& j) {
  const auto until = stored_columns::unique_until_ms(j);
  if (!until) return std::nullopt;
  return number(*until);
}

std::string non_terminal_codes() {
  std::string out;
  for (auto s : all_job_statuses)
    if (!is_terminal(s)) out += (out.empty() ? "" : ", ") + number(status_code(s));
  return out;
}

std::string terminal_codes() {
  std::string out;
  for (auto s : all_job_statuses)
    if (is_terminal(s)) out += (out.empty() ? "" : ", ") + number(status_code(s));
  return out;
}

// The reads of recovery, streamed in binary format (pg::connection::
// copy_out): every unfinished job whole, and the summaries of the same jobs
// (only the columns a summary needs).
const std::string unfinished_sql = std::string("SELECT doc, ") + pg_reads::history_of_row +
                                   ", status FROM jobs WHERE status IN (" + non_terminal_codes() +
                                   ")";
const std::string summaries_sql =
    "SELECT id, type, status, priority, created_at, run_at, next_attempt_at, dependency_rule, "
    "parents FROM jobs WHERE status IN (" +
    non_terminal_codes() + ")";

// The insert and the upsert of jobs share their columns: one array
// parameter per column (job_columns::arrays()), `tags` and `parents` as
// each job's array literal, cast when inserted.
constexpr const char* job_columns_sql =
    "id, type, status, priority, tenant, created_at, finished_at, unique_key, unique_until, tags, "
    "parents, run_at, next_attempt_at, dependency_rule, history_length, doc";
constexpr const char* job_arrays_sql =
    "unnest($1::uuid[], $2::text[], $3::smallint[], $4::smallint[], $5::text[], $6::bigint[], "
    "$7::bigint[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], "
    "$13::bigint[], $14::bigint[], $15::integer[], $16::text[]) AS t(id, type, status, priority, "
    "tenant, created_at, finished_at, unique_key, unique_until, tags, parents, run_at, "
    "next_attempt_at, dependency_rule, history_length, doc)";
constexpr const char* inserted_values_sql =
    "id, type, status, priority, tenant, created_at, finished_at, unique_key, unique_until, "
    "tags::text[], parents::uuid[], run_at, next_attempt_at, dependency_rule, history_length, doc";

// The statements of the store, prepared once per session.
struct statements {
  pg::statement fence{"jobforge_fence", "SELECT jobforge_fence($1::bigint)"};
  pg::statement erase{
      "jobforge_erase",
      "WITH gone AS (DELETE FROM jobs WHERE id = ANY($1::uuid[]) RETURNING status), "
      "entries AS (DELETE FROM job_history WHERE job_id = ANY($1::uuid[])) "
      "SELECT status, count(*) FROM gone GROUP BY status"};
  // Jobs submitted in the batch (put_job::created): a plain insert, which
  // looks nothing up first. A quarter of a new job's cost in the server
  // was the upsert's: the read of its prior status and the speculative
  // insert that ON CONFLICT needs.
  pg::statement insert_new{"jobforge_insert_new",
                           std::string("INSERT INTO jobs (") + job_columns_sql + ") SELECT " +
                               inserted_values_sql + " FROM " + job_arrays_sql};
  pg::statement insert_history{"jobforge_insert_history",
                               "INSERT INTO job_history (job_id, seq, entry) "
                               "SELECT * FROM unnest($1::uuid[], $2::integer[], $3::text[])"};
  // Changed jobs in one statement; `prior` reads the statuses they had (the
  // statement's snapshot is taken before its own writes), to keep the
  // counts by status without counting.
  pg::statement upsert{
      "jobforge_upsert",
      std::string("WITH input AS (SELECT * FROM ") + job_arrays_sql + "), " +
          "prior AS (SELECT status FROM jobs WHERE id = ANY($1::uuid[])), "
          "written AS (INSERT INTO jobs (" +
          job_columns_sql + ") SELECT " + inserted_values_sql + " FROM input " +
          "ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status, "
          "priority = EXCLUDED.priority, tenant = EXCLUDED.tenant, created_at = "
          "EXCLUDED.created_at, finished_at = EXCLUDED.finished_at, unique_key = "
          "EXCLUDED.unique_key, unique_until = EXCLUDED.unique_until, tags = EXCLUDED.tags, "
          "parents = EXCLUDED.parents, run_at = EXCLUDED.run_at, next_attempt_at = "
          "EXCLUDED.next_attempt_at, dependency_rule = EXCLUDED.dependency_rule, history_length = "
          "EXCLUDED.history_length, doc = EXCLUDED.doc) "
          "SELECT status, count(*) FROM prior GROUP BY status"};
  pg::statement append_history{"jobforge_append_history",
                               "INSERT INTO job_history (job_id, seq, entry) "
                               "SELECT * FROM unnest($1::uuid[], $2::integer[], $3::text[]) "
                               "ON CONFLICT (job_id, seq) DO UPDATE SET entry = EXCLUDED.entry"};
  pg::statement prune{
      "jobforge_prune",
      "WITH victims AS (SELECT id, status, finished_at FROM jobs WHERE finished_at IS NOT NULL "
      "AND finished_at < $1::bigint AND status IN (" +
          terminal_codes() +
          ") ORDER BY finished_at, id LIMIT $2::bigint FOR UPDATE), "
          "gone AS (DELETE FROM jobs WHERE id IN (SELECT id FROM victims)), "
          "entries AS (DELETE FROM job_history WHERE job_id IN (SELECT id FROM victims)) "
          "SELECT id, status FROM victims ORDER BY finished_at, id"};
  pg::statement put_schedules{
      "jobforge_put_schedules",
      "INSERT INTO jobforge_schedules (name, doc) SELECT * FROM unnest($1::text[], $2::text[]) "
      "ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc"};
  pg::statement erase_schedules{"jobforge_erase_schedules",
                                "DELETE FROM jobforge_schedules WHERE name = ANY($1::text[])"};
  pg::statement get = pg_reads::get_statement();
  pg::statement counts{"jobforge_counts",
                       "SELECT status, count(*) FROM jobs WHERE status = ANY($1::smallint[]) "
                       "GROUP BY status"};
  pg::statement claims{"jobforge_claims",
                       "SELECT tenant, unique_key, id, unique_until FROM jobs "
                       "WHERE unique_until IS NOT NULL AND unique_until > $1::bigint"};
};

// What this store last wrote of a job's history, to append only what is
// new. An entry never changes once written (the runtime only appends), so
// the count and the last entry's time, status and attempt identify it; a
// put that does not extend it rewrites the whole history.
struct history_mark {
  std::size_t length = 0;
  timestamp last_at{};
  job_status last_to = job_status::pending;
  int last_attempt = 0;

  static history_mark of(const job& j) {
    history_mark m;
    m.length = j.history.size();
    if (!j.history.empty()) {
      m.last_at = j.history.back().at;
      m.last_to = j.history.back().to;
      m.last_attempt = j.history.back().attempt;
    }
    return m;
  }
  bool extended_by(const job& j) const {
    if (j.history.size() < length) return false;
    if (length == 0) return true;
    const auto& h = j.history[length - 1];
    return h.at == last_at && h.to == last_to && h.attempt == last_attempt;
  }
};

class postgres_store final : public store {
 public:
  explicit postgres_store(const postgres_options& options)
      : db_(options.url, pg::session_limits(options.idle_in_transaction)),
        url_(options.url),
        readers_(options.readers),
        epoch_(options.epoch),
        on_fenced_(options.on_fenced) {
    if (db_.server_version() < 140000)
      throw pg::failure("PostgreSQL " + std::to_string(db_.server_version() / 10000) +
                        " is too old: jobforge needs 14 or newer (pipeline mode)");
    pg::migrate(db_);
    recount();
  }

  expected<void> apply(const std::vector<store_write>& batch) override {
    if (auto ok = check_batch(batch); !ok) return ok;
    return guarded("apply a batch", [&] {
      count_unfinished();  // the counts follow the rows from here
      write_batch(batch);
    });
  }

  expected<std::optional<job>> get(const job_id& id) override {
    return pg_reads::guarded_get(db_, sql_.get, id, hooks_);
  }

  expected<job_page> list(const job_query& query) override {
    return pg_reads::guarded_list(db_, query, hooks_);
  }

  expected<std::vector<job>> load_unfinished() override {
    std::vector<job> out;
    auto ok = guarded("load unfinished jobs", [&] {
      out = read_unfinished<job>(unfinished_sql, [](const pg::binary_row& r) {
        auto decoded = pg_reads::read_job(r.bytes(0), r.bytes(1));
        if (!decoded)
          throw pg::failure("a stored job cannot be read: " + decoded.error_value().message);
        return std::pair{std::move(decoded).value(), r.integer(2)};
      });
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<job_summary>> load_unfinished_summaries() override {
    std::vector<job_summary> out;
    auto ok = guarded("load unfinished jobs", [&] {
      out = read_unfinished<job_summary>(summaries_sql, [](const pg::binary_row& r) {
        auto summary = read_summary(r);
        const auto status = static_cast<std::int64_t>(summary.status);
        return std::pair{std::move(summary), status};
      });
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<status_counts> count_by_status() override {
    status_counts out;
    auto ok = guarded("count jobs", [&] {
      count_unfinished();
      for (std::size_t s = 0; s < by_status_.size(); ++s)
        out.by_status[s] = static_cast<std::size_t>(std::max<std::int64_t>(by_status_[s], 0));
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) override {
    std::vector<dedup_claim> out;
    auto ok = guarded("load deduplication keys", [&] {
      out.clear();
      auto r = db_.run(sql_.claims, {number(to_unix_ms(now))});
      for (int i = 0; i < r.rows(); ++i)
        out.push_back(dedup_claim{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                                  pg_reads::parse_id(r.text(i, 2)), from_unix_ms(r.integer(i, 3))});
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<schedule_record>> load_schedules() override {
    std::vector<schedule_record> out;
    std::optional<error> unreadable;
    auto ok = guarded("load schedules", [&] {
      out.clear();
      unreadable.reset();
      auto r = db_.exec("SELECT name, doc FROM jobforge_schedules");
      for (int i = 0; i < r.rows() && !unreadable; ++i) {
        auto record = read_schedule_document(r.text(i, 0), r.text(i, 1));
        if (record)
          out.push_back(std::move(record).value());
        else
          unreadable = record.error_value();
      }
    });
    if (!ok) return std::move(ok).error_value();
    if (unreadable) return std::move(*unreadable);
    return out;
  }

  expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) override {
    std::vector<job_id> out;
    auto ok = guarded("prune finished jobs", [&] {
      out.clear();
      count_unfinished();  // the counts follow the rows from here
      std::vector<pg::step> steps;
      if (epoch_) steps.push_back({&sql_.fence, {number(*epoch_)}});
      steps.push_back(
          {&sql_.prune, {number(to_unix_ms(cutoff)), number(static_cast<std::int64_t>(limit))}});
      auto results = db_.transact(steps);
      const auto& r = results.back();
      std::array<std::int64_t, all_job_statuses.size()> change{};
      for (int i = 0; i < r.rows(); ++i) {
        out.push_back(pg_reads::parse_id(r.text(i, 0)));
        change[status_index(r.integer(i, 1))] -= 1;
      }
      add_counts(change);
      for (const auto& id : out)
        history_written_.erase(id);
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<std::unique_ptr<store_reader>>> open_readers() override {
    return open_postgres_readers(url_, readers_);
  }

 private:
  // Runs `body` on a live session (pg_guarded.hpp): the counts are read
  // anew with a session opened again, and a write refused for a stale
  // epoch is a `conflict` that steps the leader down.
  expected<void> guarded(const char* doing, const std::function<void()>& body) {
    return pg::guarded(db_, doing, body, hooks_);
  }

  // Counting jobs: the store counts them when it opens (or reconnects),
  // then follows every write. The finished ones are counted at once; the
  // unfinished ones, which a deep queue makes many, are counted by the
  // first read of them all (recovery reads them anyway, so a takeover does
  // not scan them twice), or else by a count of its own before the first
  // write or count_by_status(), whichever comes first.
  void recount() {
    by_status_ = {};
    unfinished_counted_ = false;
    count_statuses(terminal_codes());
  }

  void count_unfinished() {
    if (unfinished_counted_) return;
    count_statuses(non_terminal_codes());
    unfinished_counted_ = true;
  }

  void count_statuses(const std::string& codes) {
    auto r = db_.run(sql_.counts, {"{" + codes + "}"});
    for (int i = 0; i < r.rows(); ++i)
      by_status_[status_index(r.integer(i, 0))] = r.integer(i, 1);
  }

  /// The unfinished jobs of a read of them all, by status.
  struct unfinished_tally {
    std::array<std::int64_t, all_job_statuses.size()> by_status{};
    void add(std::int64_t status) { by_status[status_index(status)] += 1; }
  };

  // Every unfinished job as `decode` makes it of its row (with the row's
  // status), counting them by the way. The vector is sized once, from the
  // planner's estimate of the table's rows less the finished jobs counted
  // at open: growing it row by row would move a million items several
  // times, and touching fresh memory (page faults) is most of the cost.
  template <class T, class Decode>
  std::vector<T> read_unfinished(const std::string& sql, Decode decode) {
    unfinished_tally tally;
    std::vector<T> out;
    out.reserve(expected_unfinished());
    db_.copy_out(sql, [&](const pg::binary_row& r) {
      auto [item, status] = decode(r);
      tally.add(status);
      out.push_back(std::move(item));
    });
    counted_unfinished(tally);
    // A stale estimate reserved far too much: give it back.
    if (out.capacity() > 2 * out.size() + 4096) out.shrink_to_fit();
    return out;
  }

  std::size_t expected_unfinished() {
    auto r = db_.exec("SELECT reltuples::bigint FROM pg_class WHERE oid = 'jobs'::regclass");
    if (r.rows() != 1) return 0;
    std::int64_t finished = 0;
    for (auto s : all_job_statuses)
      if (is_terminal(s)) finished += by_status_[static_cast<std::size_t>(s)];
    // -1: never analyzed; an estimate past 50 million is not trusted either.
    const std::int64_t rows = r.integer(0, 0);
    if (rows <= 0 || rows > 50'000'000) return 0;
    return static_cast<std::size_t>(std::max<std::int64_t>(rows - finished, 0));
  }

  // A read of every unfinished job made since the last write (none can
  // come between: this store alone writes, from this thread) counts them.
  void counted_unfinished(const unfinished_tally& tally) {
    if (unfinished_counted_) return;
    for (auto s : all_job_statuses)
      if (!is_terminal(s))
        by_status_[static_cast<std::size_t>(s)] = tally.by_status[static_cast<std::size_t>(s)];
    unfinished_counted_ = true;
  }

  static std::size_t status_index(std::int64_t status) {
    if (status < 0 || status >= static_cast<std::int64_t>(all_job_statuses.size()))
      throw pg::failure("a job row has a malformed status");
    return static_cast<std::size_t>(status);
  }

  void add_counts(const std::array<std::int64_t, all_job_statuses.size()>& change) {
    for (std::size_t s = 0; s < by_status_.size(); ++s)
      by_status_[s] += change[s];
  }

  // The columns of the upsert, one array per column.
  struct job_columns {
    std::vector<param> id, type, status, priority, tenant, created_at, finished_at, unique_key,
        unique_until, tags, parents, run_at, next_attempt_at, dependency_rule, history_length, doc;
    std::vector<param> arrays() const {
      return {pg::array_literal(id),
              pg::array_literal(type),
              pg::array_literal(status),
              pg::array_literal(priority),
              pg::array_literal(tenant),
              pg::array_literal(created_at),
              pg::array_literal(finished_at),
              pg::array_literal(unique_key),
              pg::array_literal(unique_until),
              pg::array_literal(tags),
              pg::array_literal(parents),
              pg::array_literal(run_at),
              pg::array_literal(next_attempt_at),
              pg::array_literal(dependency_rule),
              pg::array_literal(history_length),
              pg::array_literal(doc)};
    }
  };

  struct history_rows {
    std::vector<param> job, seq, entry;
    std::vector<param> arrays() const {
      return {pg::array_literal(job), pg::array_literal(seq), pg::array_literal(entry)};
    }
  };

  void add_job(job_columns& c, history_rows& h, const job& j, bool erased_before) {
    const std::string id = to_string(j.id);
    // The model refuses a job JSON cannot carry; failing the batch keeps
    // such a text out of the database.
    auto doc = job_document_text_without_history(j);
    if (!doc) throw std::invalid_argument(doc.error_value().message);
    std::vector<std::string> parent_ids;
    parent_ids.reserve(j.dependencies.depends_on.size());
    for (const auto& p : j.dependencies.depends_on)
      parent_ids.push_back(to_string(p));
    c.id.emplace_back(id);
    c.type.emplace_back(j.type);
    c.status.emplace_back(number(status_code(j.status)));
    c.priority.emplace_back(number(static_cast<std::int64_t>(j.priority)));
    c.tenant.emplace_back(j.tenant);
    c.created_at.emplace_back(number(to_unix_ms(j.created_at)));
    c.finished_at.push_back(number(j.finished_at));
    c.unique_key.push_back(j.unique_key ? param(*j.unique_key) : std::nullopt);
    c.unique_until.push_back(unique_until(j));
    c.tags.emplace_back(pg::array_literal(j.tags));
    c.parents.emplace_back(pg::array_literal(parent_ids));
    c.run_at.push_back(number(j.run_at));
    c.next_attempt_at.push_back(number(j.next_attempt_at));
    c.dependency_rule.emplace_back(number(dependency_rule_code(j.dependencies)));
    c.history_length.emplace_back(number(static_cast<std::int64_t>(j.history.size())));
    c.doc.emplace_back(std::move(doc).value());

    std::size_t from = 0;
    if (!erased_before) {
      const auto known = history_written_.find(j.id);
      if (known != history_written_.end() && known->second.extended_by(j))
        from = known->second.length;
    }
    for (std::size_t i = from; i < j.history.size(); ++i) {
      h.job.emplace_back(id);
      h.seq.emplace_back(number(static_cast<std::int64_t>(i)));
      h.entry.emplace_back(history_entry_text(j.history[i]));
    }
  }

  void write_batch(const std::vector<store_write>& batch) {
    try {
      write_batch(batch, true);
    } catch (const pg::failure& f) {
      // A job submitted in this batch has a row already: the batch is a
      // commit retried after its answer was lost although it went through.
      // Nothing of the failed attempt was committed; write every job as a
      // change instead.
      if (f.sqlstate() != unique_violation_sqlstate) throw;
      write_batch(batch, false);
    }
  }

  static constexpr const char* unique_violation_sqlstate = "23505";

  // `insert_created`: the jobs submitted in the batch are inserted without
  // looking for their rows (see statements::insert_new).
  void write_batch(const std::vector<store_write>& batch, bool insert_created) {
    // Only the last write of each job reaches the database (an id may
    // appear once in an upsert); an erase before a later put still
    // clears the job's old history first.
    std::unordered_map<job_id, std::size_t> last;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (is_job_write(batch[i])) last[write_id(batch[i])] = i;
    std::unordered_set<job_id> created;
    if (insert_created)
      for (const auto& w : batch)
        if (const auto* put = std::get_if<put_job>(&w); put && put->created)
          created.insert(put->snapshot->id);
    std::vector<param> erased;
    std::unordered_map<job_id, bool> erased_before;
    job_columns columns, new_columns;
    history_rows history, new_history;
    std::array<std::int64_t, all_job_statuses.size()> change{};
    std::vector<std::pair<job_id, history_mark>> marks;
    // Schedule records: the last write of each name (a batch is coalesced
    // already; this keeps a name once per statement regardless).
    std::map<std::string, const schedule_record*> schedule_puts;
    std::vector<param> schedule_erases;
    for (const auto& w : batch) {
      if (const auto* put = std::get_if<put_schedule>(&w)) {
        schedule_puts[put->record->name] = put->record.get();
      } else if (const auto* erase = std::get_if<erase_schedule>(&w)) {
        schedule_puts.erase(erase->name);
        schedule_erases.emplace_back(erase->name);
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!is_job_write(batch[i])) continue;
      const job_id id = write_id(batch[i]);
      if (std::holds_alternative<erase_job>(batch[i])) {
        if (!erased_before[id]) erased.emplace_back(to_string(id));
        erased_before[id] = true;
        continue;
      }
      if (last[id] != i) continue;
      const job& j = *std::get<put_job>(batch[i]).snapshot;
      if (created.count(id) != 0)
        add_job(new_columns, new_history, j, true);
      else
        add_job(columns, history, j, erased_before[id]);
      change[status_index(status_code(j.status))] += 1;
      marks.emplace_back(j.id, history_mark::of(j));
    }

    std::vector<pg::step> steps;
    if (epoch_) steps.push_back({&sql_.fence, {number(*epoch_)}});
    const std::size_t erase_step = steps.size();
    if (!erased.empty()) steps.push_back({&sql_.erase, {pg::array_literal(erased)}});
    if (!new_columns.id.empty()) steps.push_back({&sql_.insert_new, new_columns.arrays()});
    const std::size_t upsert_step = steps.size();
    if (!columns.id.empty()) steps.push_back({&sql_.upsert, columns.arrays()});
    if (!new_history.job.empty()) steps.push_back({&sql_.insert_history, new_history.arrays()});
    if (!history.job.empty()) steps.push_back({&sql_.append_history, history.arrays()});
    if (!schedule_erases.empty())
      steps.push_back({&sql_.erase_schedules, {pg::array_literal(schedule_erases)}});
    if (!schedule_puts.empty()) {
      std::vector<param> names, docs;
      for (const auto& [name, record] : schedule_puts) {
        auto doc = schedule_document(*record);
        if (!doc) throw pg::failure(doc.error_value().message);
        names.emplace_back(name);
        docs.emplace_back(std::move(doc).value());
      }
      steps.push_back({&sql_.put_schedules, {pg::array_literal(names), pg::array_literal(docs)}});
    }
    if (steps.empty()) return;
    auto results = db_.transact(steps);

    // Committed: the counts and the history marks follow.
    const auto subtract = [&](const pg::result& r) {
      for (int i = 0; i < r.rows(); ++i)
        change[status_index(r.integer(i, 0))] -= r.integer(i, 1);
    };
    if (!erased.empty()) subtract(results[erase_step]);
    if (!columns.id.empty()) subtract(results[upsert_step]);
    add_counts(change);
    for (const auto& [id, done] : erased_before)
      if (done) history_written_.erase(id);
    for (auto& [id, mark] : marks) {
      // A finished job rarely changes again: its mark is not worth its memory.
      if (mark.length > 0 && is_terminal(mark.last_to))
        history_written_.erase(id);
      else
        history_written_[id] = mark;
    }
  }

  static bool is_job_write(const store_write& w) {
    return std::holds_alternative<put_job>(w) || std::holds_alternative<erase_job>(w);
  }

  static job_id write_id(const store_write& w) {
    if (const auto* put = std::get_if<put_job>(&w)) return put->snapshot->id;
    return std::get<erase_job>(w).id;
  }

  // A binary uuid (16 bytes) as an id.
  static job_id binary_id(std::string_view bytes) {
    if (bytes.size() != 16) throw pg::failure("a job row has a malformed id");
    std::array<std::uint8_t, 16> raw{};
    std::copy(bytes.begin(), bytes.end(), raw.begin());
    return job_id::from_bytes(raw);
  }

  static std::uint32_t big_endian_u32(std::string_view bytes, std::size_t at) {
    if (at + 4 > bytes.size()) throw pg::failure("a job row has a malformed array");
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
      v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  }

  // A binary uuid[]: the number of dimensions, a null flag, the element
  // type, then per dimension its length and lower bound, then each element
  // as a length and its bytes. An empty array has no dimension.
  static void read_parents(std::string_view array, std::vector<job_id>& out) {
    const std::uint32_t dimensions = big_endian_u32(array, 0);
    if (dimensions == 0) return;
    if (dimensions != 1) throw pg::failure("a job row has a malformed parents array");
    const std::uint32_t count = big_endian_u32(array, 12);
    std::size_t at = 20;
    out.reserve(count);
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint32_t length = big_endian_u32(array, at);
      at += 4;
      if (length != 16 || at + 16 > array.size())
        throw pg::failure("a job row has a malformed parents array");
      out.push_back(binary_id(array.substr(at, 16)));
      at += 16;
    }
  }

  static std::optional<timestamp> binary_time(const pg::binary_row& r, std::size_t field) {
    const auto ms = r.optional_integer(field);
    if (!ms) return std::nullopt;
    return from_unix_ms(*ms);
  }

  // A row of summaries_sql, in binary format.
  static job_summary read_summary(const pg::binary_row& r) {
    if (r.size() != 9)
      throw pg::failure("a summary row has " + std::to_string(r.size()) + " fields");
    job_summary out;
    out.id = binary_id(r.bytes(0));
    out.type = std::string(r.bytes(1));
    out.status = static_cast<job_status>(status_index(r.integer(2)));
    const auto prio = r.integer(3);
    if (prio < 0 || prio > static_cast<std::int64_t>(priority::critical))
      throw pg::failure("a job row has a malformed priority");
    out.priority = static_cast<priority>(prio);
    out.created_at = from_unix_ms(r.integer(4));
    out.run_at = binary_time(r, 5);
    out.next_attempt_at = binary_time(r, 6);
    read_dependency_rule(r.integer(7), out.dependencies);
    read_parents(r.bytes(8), out.dependencies.depends_on);
    return out;
  }

  pg::connection db_;
  std::string url_;
  std::size_t readers_;
  std::optional<std::int64_t> epoch_;
  std::function<void(const std::string&)> on_fenced_;
  pg::guard_hooks hooks_{[this] { recount(); },
                         [this](const char* doing, const pg::failure& f) -> std::optional<error> {
                           if (f.sqlstate() != pg::stale_epoch_sqlstate) return std::nullopt;
                           if (on_fenced_) on_fenced_(f.what());
                           return error{error_code::conflict,
                                        std::string("could not ") + doing +
                                            ": another coordinator took over (" + f.what() + ")"};
                         }};
  statements sql_;
  /// Jobs by status: counted when the store opens (or reconnects), then
  /// kept as rows change, so that counting reads no index (see recount()).
  std::array<std::int64_t, all_job_statuses.size()> by_status_{};
  /// Whether by_status_ holds the unfinished statuses too.
  bool unfinished_counted_ = false;
  /// What was written of each unfinished job's history (see history_mark).
  std::unordered_map<job_id, history_mark> history_written_;
};

}  // namespace

expected<std::unique_ptr<store>> open_postgres_store(const postgres_options& options) {
  try {
    return std::unique_ptr<store>(std::make_unique<postgres_store>(options));
  } catch (const pg::newer_schema& e) {
    return error{error_code::conflict, e.what()};
  } catch (const std::exception& e) {
    return error{error_code::unavailable, std::string("cannot use the database: ") + e.what(),
                 boost::json::object{{"url", redacted_postgres_url(options.url)}}};
  }
}

std::string redacted_postgres_url(const std::string& url) {
  // URI form: postgresql://user:secret@host/db; key=value form: password=secret
  // (or quoted: password='a b').
  static const std::regex uri_password(R"(^(postgres(?:ql)?://[^:@/]*:)[^@/]*@)");
  static const std::regex key_password(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+))");
  static const std::regex query_password(R"(([?&]password=)[^&]*)");
  static const std::regex uri(R"(^postgres(?:ql)?://)");
  if (std::regex_search(url, uri))
    return std::regex_replace(std::regex_replace(url, uri_password, "$1***@"), query_password,
                              "$1***");
  return std::regex_replace(url, key_password, "$1***");
}

}  // namespace jobforge

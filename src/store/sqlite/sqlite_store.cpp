#include "store/sqlite/sqlite_store.hpp"

#include "model/job_codec.hpp"
#include "model/job_json_text.hpp"
#include "store/list_query.hpp"
#include "store/schedule_document.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/sqlite/sqlite_schema.hpp"
#include "store/stored_columns.hpp"

#include <sqlite3.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace jobforge {
namespace {

using sqlite::statement;
using stored_columns::status_code;
using stored_columns::unique_until_ms;

std::int64_t ms(timestamp t) {
  return to_unix_ms(t);
}

std::optional<std::int64_t> ms(const std::optional<timestamp>& t) {
  if (!t) return std::nullopt;
  return to_unix_ms(*t);
}

// Tags (or parent ids) as one comparable text (a unit separator after
// each), to tell whether a put changes them without reading a side table.
std::string joined_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    out += t;
    out += '\x1f';
  }
  return out;
}

constexpr std::int64_t terminal_status_codes[] = {static_cast<std::int64_t>(job_status::completed),
                                                  static_cast<std::int64_t>(job_status::failed),
                                                  static_cast<std::int64_t>(job_status::canceled)};

class sqlite_store final : public store {
 public:
  explicit sqlite_store(const sqlite_options& options)
      : db_(options.path),
        configured_(configure(db_, options)),
        update_(db_,
                "UPDATE jobs SET status = ?1, finished_at = ?2, doc = ?3, run_at = ?13, "
                "next_attempt_at = ?14, dependency_rule = ?15 WHERE id = ?4 AND type = ?5 AND "
                "priority = ?6 AND tenant = ?7 AND "
                "created_at = ?8 AND unique_key IS ?9 AND unique_until IS ?10 AND tags = ?11 AND "
                "parents = ?12"),
        insert_(db_,
                "INSERT OR IGNORE INTO jobs (id, type, status, priority, tenant, created_at, "
                "finished_at, unique_key, unique_until, tags, doc, parents, run_at, "
                "next_attempt_at, dependency_rule) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
        replace_(db_,
                 "UPDATE jobs SET type = ?2, status = ?3, priority = ?4, tenant = ?5, "
                 "created_at = ?6, finished_at = ?7, unique_key = ?8, unique_until = ?9, "
                 "tags = ?10, doc = ?11, parents = ?12, run_at = ?13, next_attempt_at = ?14, "
                 "dependency_rule = ?15 WHERE id = ?1"),
        clear_tags_(db_, "DELETE FROM job_tags WHERE job_id = ?1"),
        add_tag_(db_, "INSERT OR IGNORE INTO job_tags (tag, job_id) VALUES (?1, ?2)"),
        clear_parents_(db_, "DELETE FROM job_parents WHERE child = ?1"),
        add_parent_(db_, "INSERT OR IGNORE INTO job_parents (parent, child) VALUES (?1, ?2)"),
        erase_(db_, "DELETE FROM jobs WHERE id = ?1 RETURNING status"),
        status_of_(db_, "SELECT status FROM jobs WHERE id = ?1"),
        get_(db_, "SELECT doc FROM jobs WHERE id = ?1"),
        // IN, not NOT IN: the status index then skips every finished job.
        unfinished_(db_, "SELECT doc FROM jobs WHERE status IN (?1, ?2, ?3, ?4, ?5)"),
        // The columns only, no document: recovery's cost is reading rows.
        summaries_(db_,
                   "SELECT id, type, status, priority, created_at, run_at, next_attempt_at, "
                   "dependency_rule, parents FROM jobs WHERE status IN (?1, ?2, ?3, ?4, ?5)"),
        counts_(db_, "SELECT status, count(*) FROM jobs GROUP BY status"),
        claims_(db_,
                "SELECT tenant, unique_key, id, unique_until FROM jobs "
                "WHERE unique_until IS NOT NULL AND unique_until > ?1"),
        prunable_(db_,
                  "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1 "
                  "AND status IN (?2, ?3, ?4) ORDER BY finished_at LIMIT ?5"),
        put_schedule_(db_, "INSERT OR REPLACE INTO schedules (name, doc) VALUES (?1, ?2)"),
        erase_schedule_(db_, "DELETE FROM schedules WHERE name = ?1"),
        schedules_(db_, "SELECT name, doc FROM schedules") {
    // Counted once here, then kept as rows change (see by_status_).
    while (counts_.step()) {
      const auto status = counts_.column_int(0);
      if (status >= 0 && status < static_cast<std::int64_t>(by_status_.size()))
        by_status_[static_cast<std::size_t>(status)] = counts_.column_int(1);
    }
    counts_.reset();
  }

  expected<void> apply(const std::vector<store_write>& batch) override {
    if (auto ok = check_batch(batch); !ok) return ok;
    return guarded("apply a batch", [&] {
      sqlite::transaction tx(db_);
      changed_ = {};
      for (const auto& write : batch) {
        if (const auto* put = std::get_if<put_job>(&write))
          write_job(*put->snapshot);
        else if (const auto* erase = std::get_if<erase_job>(&write))
          erase_row(erase->id);
        else if (const auto* sched = std::get_if<put_schedule>(&write))
          write_schedule(*sched->record);
        else
          delete_schedule(std::get<erase_schedule>(write).name);
      }
      tx.commit();
      count_committed();
    });
  }

  expected<std::optional<job>> get(const job_id& id) override {
    std::optional<expected<job>> found;
    auto ok = guarded("read a job", [&] {
      get_.reset();
      get_.bind(1, to_string(id));
      if (get_.step()) found = read_stored_job(get_.column_text(0));
      get_.reset();
    });
    if (!ok) return std::move(ok).error_value();
    if (!found) return std::optional<job>{};
    if (!*found) return unreadable_error(id, found->error_value().message);
    return std::optional<job>{std::move(**found)};
  }

  expected<job_page> list(const job_query& query) override {
    auto checked = check_list_query(query);
    if (!checked) return std::move(checked).error_value();
    job_page page;
    auto ok = guarded("list jobs", [&] { page = run_list(query, checked.value()); });
    if (!ok) return std::move(ok).error_value();
    return page;
  }

  expected<std::vector<job>> load_unfinished() override {
    std::vector<job> out;
    auto ok = guarded("load unfinished jobs", [&] {
      unfinished_.reset();
      int index = 1;
      for (auto s : all_job_statuses)
        if (!is_terminal(s)) unfinished_.bind(index++, status_code(s));
      // Start-up time is decoding time: rows are read in chunks and each
      // chunk is decoded on every core.
      std::vector<std::string> docs;
      bool more = true;
      while (more) {
        docs.clear();
        while (docs.size() < recovery_chunk && (more = unfinished_.step()))
          docs.emplace_back(unfinished_.column_text(0));
        decode_all(docs, out);
      }
      unfinished_.reset();
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<job_summary>> load_unfinished_summaries() override {
    std::vector<job_summary> out;
    auto ok = guarded("load unfinished jobs", [&] {
      summaries_.reset();
      int index = 1;
      for (auto s : all_job_statuses)
        if (!is_terminal(s)) summaries_.bind(index++, status_code(s));
      while (summaries_.step())
        out.push_back(read_summary(summaries_));
      summaries_.reset();
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<status_counts> count_by_status() override {
    status_counts out;
    for (std::size_t s = 0; s < by_status_.size(); ++s)
      out.by_status[s] = static_cast<std::size_t>(std::max<std::int64_t>(by_status_[s], 0));
    return out;
  }

  expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) override {
    std::vector<dedup_claim> out;
    auto ok = guarded("load deduplication keys", [&] {
      claims_.reset();
      claims_.bind(1, ms(now));
      while (claims_.step()) {
        auto id = job_id::parse(claims_.column_text(2));
        if (!id) throw sqlite::failure(0, "a job row has a malformed id");
        out.push_back(dedup_claim{std::string(claims_.column_text(0)),
                                  std::string(claims_.column_text(1)), *id,
                                  from_unix_ms(claims_.column_int(3))});
      }
      claims_.reset();
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

  expected<std::vector<schedule_record>> load_schedules() override {
    std::vector<schedule_record> out;
    std::optional<error> unreadable;
    auto ok = guarded("load schedules", [&] {
      schedules_.reset();
      while (!unreadable && schedules_.step()) {
        auto record = read_schedule_document(schedules_.column_text(0), schedules_.column_text(1));
        if (record)
          out.push_back(std::move(record).value());
        else
          unreadable = record.error_value();
      }
      schedules_.reset();
    });
    if (!ok) return std::move(ok).error_value();
    if (unreadable) return std::move(*unreadable);
    return out;
  }

  expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) override {
    std::vector<job_id> out;
    auto ok = guarded("prune finished jobs", [&] {
      sqlite::transaction tx(db_);
      changed_ = {};
      prunable_.reset();
      prunable_.bind(1, ms(cutoff));
      bind_terminal(prunable_, 2);
      prunable_.bind(5, static_cast<std::int64_t>(limit));
      while (prunable_.step())
        if (auto id = job_id::parse(prunable_.column_text(0))) out.push_back(*id);
      prunable_.reset();
      for (const auto& id : out)
        erase_row(id);
      tx.commit();
      count_committed();
    });
    if (!ok) return std::move(ok).error_value();
    return out;
  }

 private:
  static bool configure(sqlite::connection& db, const sqlite_options& options) {
    // One process owns the file while it runs: a second jobforge on the
    // same data directory waits a little for it, then fails to open it
    // (and a process that only reads, such as the sqlite3 shell, cannot
    // read it meanwhile). Besides keeping two schedulers off the same jobs,
    // this spares every transaction its file locks (six fcntl calls), and
    // the write-ahead log's index lives in this process's memory.
    db.exec("PRAGMA busy_timeout = 5000");
    db.query_text("PRAGMA locking_mode = EXCLUSIVE");
    if (db.query_text("PRAGMA journal_mode = WAL") != "wal")
      throw sqlite::failure(0, "the database cannot use write-ahead logging");
    switch (options.sync) {
      case sqlite_sync::off:
        db.exec("PRAGMA synchronous = OFF");
        break;
      case sqlite_sync::normal:
        db.exec("PRAGMA synchronous = NORMAL");
        break;
      case sqlite_sync::full:
        db.exec("PRAGMA synchronous = FULL");
        break;
    }
    db.exec("PRAGMA foreign_keys = ON");
    // 16 MiB of page cache instead of SQLite's 2 MiB: the id index is keyed
    // by random UUIDs, and with a small cache every insert into a large
    // table reads and rewrites index pages from disk. Not more: a b-tree
    // page split parks a page under a scratch number past the end of the
    // file (262145), and the commit that follows then walks the whole cache
    // to drop pages past the end (pcache1TruncateUnsafe). With 64 MiB that
    // walk was a fifth of the writer's time and one-by-one durable submits
    // ran 12-18% slower (durability_bench --only e2e --submitters 32).
    db.exec("PRAGMA cache_size = -16384");
    // Checkpoint the WAL every 64 MiB instead of every 4 MiB: a page that
    // many commits rewrote (index pages of busy statuses) is copied to the
    // database once per checkpoint, not once per 4 MiB of log.
    db.exec("PRAGMA wal_autocheckpoint = 16384");
    sqlite::migrate(db);
    db.exec("BEGIN IMMEDIATE");  // takes the file's lock now, held until close
    db.exec("COMMIT");
    return true;
  }

  static bool transient(int code) {
    switch (code & 0xff) {
      case SQLITE_FULL:
      case SQLITE_IOERR:
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_NOMEM:
      case SQLITE_CANTOPEN:
      case SQLITE_READONLY:
      case SQLITE_PROTOCOL:
        return true;
      default:
        return false;
    }
  }

  template <class F>
  static expected<void> guarded(const char* doing, F&& body) {
    try {
      body();
      return {};
    } catch (const sqlite::failure& f) {
      // A full or failing disk, or a lock: may pass, so a write is tried
      // again later (actors/store_writer.hpp); the rest would fail again.
      return error{transient(f.code()) ? error_code::unavailable : error_code::internal,
                   std::string("could not ") + doing + ": " + f.what()};
    } catch (const std::exception& e) {
      return error{error_code::internal, std::string("could not ") + doing + ": " + e.what()};
    }
  }

  static void bind_terminal(statement& s, int first) {
    for (int i = 0; i < 3; ++i)
      s.bind(first + i, terminal_status_codes[i]);
  }

  static constexpr std::size_t recovery_chunk = 16'384;

  // Decodes `docs` onto the end of `out`, split across the machine's cores.
  static void decode_all(const std::vector<std::string>& docs, std::vector<job>& out) {
    const std::size_t first = out.size();
    out.resize(first + docs.size());
    const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
    const std::size_t share = (docs.size() + workers - 1) / workers;
    std::vector<std::thread> helpers;
    std::vector<std::string> failures(workers);
    const auto work = [&](std::size_t w) {
      try {
        for (std::size_t i = w * share; i < std::min(docs.size(), (w + 1) * share); ++i)
          out[first + i] = decode(docs[i]);
      } catch (const std::exception& e) {
        failures[w] = e.what();
      }
    };
    for (std::size_t w = 1; w < workers && w * share < docs.size(); ++w)
      helpers.emplace_back(work, w);
    work(0);
    for (auto& h : helpers)
      h.join();
    for (const auto& f : failures)
      if (!f.empty()) throw sqlite::failure(0, f);
  }

  static job decode(std::string_view doc) {
    auto decoded = read_stored_job(doc);
    if (!decoded)
      throw sqlite::failure(0, "a stored job cannot be read: " + decoded.error_value().message);
    return std::move(decoded).value();
  }

  static error unreadable_error(const job_id& id, const std::string& reason) {
    return error{error_code::internal,
                 "job " + to_string(id) + " is stored but cannot be read (" + reason + ")",
                 boost::json::object{{"id", to_string(id)}, {"reason", reason}}};
  }

  static job_id parse_id(std::string_view text) {
    auto id = job_id::parse(text);
    if (!id) throw sqlite::failure(0, "a job row has a malformed id");
    return *id;
  }

  static std::optional<timestamp> optional_time(statement& s, int column) {
    if (s.column_is_null(column)) return std::nullopt;
    return from_unix_ms(s.column_int(column));
  }

  // A row of summaries_.
  static job_summary read_summary(statement& s) {
    job_summary out;
    out.id = parse_id(s.column_text(0));
    out.type = std::string(s.column_text(1));
    const auto status = s.column_int(2);
    const auto prio = s.column_int(3);
    if (status < 0 || status >= static_cast<std::int64_t>(all_job_statuses.size()) || prio < 0 ||
        prio > static_cast<std::int64_t>(priority::critical))
      throw sqlite::failure(0, "a job row has a malformed status or priority");
    out.status = static_cast<job_status>(status);
    out.priority = static_cast<priority>(prio);
    out.created_at = from_unix_ms(s.column_int(4));
    out.run_at = optional_time(s, 5);
    out.next_attempt_at = optional_time(s, 6);
    read_dependency_rule(s.column_int(7), out.dependencies);
    // `parents`: each id followed by a unit separator (see joined_tags).
    const std::string_view parents = s.column_text(8);
    std::size_t start = 0;
    while (start < parents.size()) {
      const std::size_t end = parents.find('\x1f', start);
      const std::size_t stop = end == std::string_view::npos ? parents.size() : end;
      out.dependencies.depends_on.push_back(parse_id(parents.substr(start, stop - start)));
      start = stop + 1;
    }
    return out;
  }

  void write_schedule(const schedule_record& r) {
    auto doc = schedule_document(r);
    if (!doc) throw sqlite::failure(0, doc.error_value().message);
    put_schedule_.reset();
    put_schedule_.bind(1, r.name);
    put_schedule_.bind(2, *doc);
    put_schedule_.step();
    put_schedule_.reset();
  }

  void delete_schedule(const std::string& name) {
    erase_schedule_.reset();
    erase_schedule_.bind(1, name);
    erase_schedule_.step();
    erase_schedule_.reset();
  }

  void erase_row(const job_id& id) {
    erase_.reset();
    erase_.bind(1, to_string(id));
    // Its tags go with it (ON DELETE CASCADE); the status comes back.
    if (erase_.step()) --changed_[status_index(erase_.column_int(0))];
    erase_.reset();
  }

  // The stored status of a job, or -1 when there is no such row.
  std::int64_t stored_status(const std::string& id) {
    status_of_.reset();
    status_of_.bind(1, id);
    const std::int64_t out = status_of_.step() ? status_of_.column_int(0) : -1;
    status_of_.reset();
    return out;
  }

  // A row's status went from `from` (-1: no row) to `to` in this transaction.
  void count_change(std::int64_t from, std::int64_t to) {
    if (from == to) return;
    if (from >= 0) --changed_[status_index(from)];
    ++changed_[status_index(to)];
  }

  static std::size_t status_index(std::int64_t status) {
    if (status < 0 || status >= static_cast<std::int64_t>(all_job_statuses.size()))
      throw sqlite::failure(0, "a job row has a malformed status");
    return static_cast<std::size_t>(status);
  }

  void count_committed() {
    for (std::size_t s = 0; s < by_status_.size(); ++s)
      by_status_[s] += changed_[s];
    changed_ = {};
  }

  void write_job(const job& j) {
    const std::string id = to_string(j.id);
    // The model refuses a job JSON cannot carry; failing the batch keeps
    // such a text out of the file (it would make every list fail).
    auto written = job_document_text(j);
    if (!written) throw std::invalid_argument(written.error_value().message);
    const std::string& doc = *written;
    const std::string tags = joined_tags(j.tags);
    std::vector<std::string> parent_ids;
    for (const auto& p : j.dependencies.depends_on)
      parent_ids.push_back(to_string(p));
    const std::string parents = joined_tags(parent_ids);
    // A job with only its submission in its history is almost always new:
    // it goes straight to the insert (an UPDATE would look for it in vain).
    // The common write after that changes only status, times and the
    // document: an UPDATE of those columns leaves every index but one alone.
    if (j.history.size() > 1) {
      const std::int64_t before = stored_status(id);
      if (before >= 0 && update_row(j, id, doc, tags, parents)) {
        count_change(before, status_code(j.status));
        return;
      }
    }
    insert_or_replace(j, id, doc, tags, parents, parent_ids);
  }

  // The UPDATE of the common write; false when no row matched (a new job, or
  // one whose indexed fields changed).
  bool update_row(const job& j, const std::string& id, const std::string& doc,
                  const std::string& tags, const std::string& parents) {
    update_.reset();
    update_.bind(1, status_code(j.status))
        .bind(2, ms(j.finished_at))
        .bind(3, doc)
        .bind(4, id)
        .bind(5, j.type)
        .bind(6, static_cast<std::int64_t>(j.priority))
        .bind(7, j.tenant)
        .bind(8, ms(j.created_at))
        .bind(9, j.unique_key)
        .bind(10, unique_until_ms(j))
        .bind(11, tags)
        .bind(12, parents)
        .bind(13, ms(j.run_at))
        .bind(14, ms(j.next_attempt_at))
        .bind(15, dependency_rule_code(j.dependencies));
    update_.run();
    return db_.changes() > 0;
  }

  // A new job: one insert (and its tags). An existing one whose indexed
  // fields changed: rewrite the row and replace its tags.
  void insert_or_replace(const job& j, const std::string& id, const std::string& doc,
                         const std::string& tags, const std::string& parents,
                         const std::vector<std::string>& parent_ids) {
    const auto bind_row = [&](statement& s) {
      s.reset();
      s.bind(1, id)
          .bind(2, j.type)
          .bind(3, status_code(j.status))
          .bind(4, static_cast<std::int64_t>(j.priority))
          .bind(5, j.tenant)
          .bind(6, ms(j.created_at))
          .bind(7, ms(j.finished_at))
          .bind(8, j.unique_key)
          .bind(9, unique_until_ms(j))
          .bind(10, tags)
          .bind(11, doc)
          .bind(12, parents)
          .bind(13, ms(j.run_at))
          .bind(14, ms(j.next_attempt_at))
          .bind(15, dependency_rule_code(j.dependencies));
      s.run();
    };
    bind_row(insert_);
    if (db_.changes() > 0) {
      count_change(-1, status_code(j.status));
    } else {
      count_change(stored_status(id), status_code(j.status));
      bind_row(replace_);
      clear_tags_.reset();
      clear_tags_.bind(1, id);
      clear_tags_.run();
      clear_parents_.reset();
      clear_parents_.bind(1, id);
      clear_parents_.run();
    }
    for (const auto& parent : parent_ids) {
      add_parent_.reset();
      add_parent_.bind(1, parent).bind(2, id);
      add_parent_.run();
    }
    for (const auto& tag : j.tags) {
      add_tag_.reset();
      add_tag_.bind(1, tag).bind(2, id);
      add_tag_.run();
    }
  }

  job_page run_list(const job_query& query, const std::optional<list_position>& after) {
    const auto& f = query.filter;
    const bool desc = query.order == job_order::created_desc;
    std::string sql = "SELECT doc, created_at, id FROM jobs WHERE 1";
    if (f.statuses) {
      sql += " AND status IN (";
      for (std::size_t i = 0; i < f.statuses->size(); ++i)
        sql += i == 0 ? "?" : ", ?";
      sql += ")";
    }
    // Parameters are numbered in the order they appear in the SQL text.
    struct bound_value {
      bool is_text;
      std::int64_t number;
      std::string text;
    };
    std::vector<bound_value> params;
    if (f.statuses)
      for (auto s : *f.statuses)
        params.push_back({false, status_code(s), {}});
    if (f.type) {
      sql += " AND type = ?";
      params.push_back({true, 0, *f.type});
    }
    if (f.priority) {
      sql += " AND priority = ?";
      params.push_back({false, static_cast<std::int64_t>(*f.priority), {}});
    }
    if (f.tenant) {
      sql += " AND tenant = ?";
      params.push_back({true, 0, *f.tenant});
    }
    if (f.tag) {
      sql += " AND id IN (SELECT job_id FROM job_tags WHERE tag = ?)";
      params.push_back({true, 0, *f.tag});
    }
    if (f.parent) {
      sql += " AND id IN (SELECT child FROM job_parents WHERE parent = ?)";
      params.push_back({true, 0, to_string(*f.parent)});
    }
    if (f.created_from) {
      sql += " AND created_at >= ?";
      params.push_back({false, ms(*f.created_from), {}});
    }
    if (f.created_until) {
      sql += " AND created_at < ?";
      params.push_back({false, ms(*f.created_until), {}});
    }
    if (after) {
      sql += desc ? " AND (created_at, id) < (?, ?)" : " AND (created_at, id) > (?, ?)";
      params.push_back({false, ms(after->created_at), {}});
      params.push_back({true, 0, to_string(after->id)});
    }
    sql += desc ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at ASC, id ASC";
    sql += " LIMIT ?";
    params.push_back({false, static_cast<std::int64_t>(query.limit) + 1, {}});

    statement s(db_, sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (params[i].is_text)
        s.bind(index, std::string_view(params[i].text));
      else
        s.bind(index, params[i].number);
    }
    job_page page;
    std::size_t rows = 0;
    list_position last{};
    while (s.step()) {
      if (rows == query.limit) {
        page.next_cursor = encode_cursor(query.order, last);
        break;
      }
      ++rows;
      // The position comes from the row's columns, which stay readable when
      // its document does not: one bad document must not end the listing.
      last = list_position{from_unix_ms(s.column_int(1)), parse_id(s.column_text(2))};
      auto decoded = read_stored_job(s.column_text(0));
      if (decoded)
        page.items.push_back(std::move(decoded).value());
      else
        page.unreadable.push_back(unreadable_job{last.id, decoded.error_value().message});
    }
    return page;
  }

  sqlite::connection db_;
  bool configured_;
  statement update_;
  statement insert_;
  statement replace_;
  statement clear_tags_;
  statement add_tag_;
  statement clear_parents_;
  statement add_parent_;
  statement erase_;
  statement status_of_;
  statement get_;
  statement unfinished_;
  statement summaries_;
  statement counts_;
  statement claims_;
  statement prunable_;
  statement put_schedule_;
  statement erase_schedule_;
  statement schedules_;
  /// Jobs by status: counted when the file is opened, then kept as rows
  /// change, so that counting (each /metrics scrape, /api/stats, /ready)
  /// reads no index (a full count of a million jobs took 70 ms, with every
  /// write waiting behind it). `changed_` holds the open transaction's part.
  std::array<std::int64_t, all_job_statuses.size()> by_status_{};
  std::array<std::int64_t, all_job_statuses.size()> changed_{};
};

}  // namespace

expected<std::unique_ptr<store>> open_sqlite_store(const sqlite_options& options) {
  try {
    return std::unique_ptr<store>(std::make_unique<sqlite_store>(options));
  } catch (const sqlite::newer_schema& e) {
    return error{error_code::conflict, options.path + ": " + e.what(),
                 boost::json::object{{"path", options.path}}};
  } catch (const sqlite::failure& e) {
    if ((e.code() & 0xff) == SQLITE_BUSY)
      return error{error_code::unavailable,
                   options.path +
                       " is in use by another process (is another jobforge serving this data "
                       "directory?): " +
                       e.what(),
                   boost::json::object{{"path", options.path}}};
    return error{error_code::unavailable, std::string("cannot use the database: ") + e.what(),
                 boost::json::object{{"path", options.path}}};
  } catch (const std::exception& e) {
    return error{error_code::unavailable, std::string("cannot use the database: ") + e.what(),
                 boost::json::object{{"path", options.path}}};
  }
}

std::optional<sqlite_sync> parse_sqlite_sync(std::string_view text) {
  if (text == "off") return sqlite_sync::off;
  if (text == "normal") return sqlite_sync::normal;
  if (text == "full") return sqlite_sync::full;
  return std::nullopt;
}

}  // namespace jobforge

#include "store/sqlite/sqlite_schema.hpp"

#include "store/sqlite/sqlite_document_repair.hpp"

#include <sqlite3.h>

#include <string>
#include <vector>

namespace jobforge::sqlite {
namespace {

// One schema version: SQL, then (for what SQL cannot say) a step in C++.
struct migration {
  migration(const char* text, void (*step)(connection&) = nullptr) : sql(text), then(step) {}
  const char* sql;
  void (*then)(connection&);
};

void repair_documents(connection& db) {
  static_cast<void>(repair_non_finite_documents(db));
}

// Append only: a released migration never changes, a new one gets the next
// number. Each runs inside the start-up transaction.
const std::vector<migration>& migrations() {
  static const std::vector<migration> list = {
      // 1: jobs. `doc` is the whole job as JSON (history, progress, result);
      // the other columns are copies of the fields that queries filter,
      // sort or prune by (`tags` joined, to notice a put that changes them). Times are Unix
      // milliseconds.
      R"sql(
        CREATE TABLE jobs (
          id           TEXT PRIMARY KEY,
          type         TEXT NOT NULL,
          status       INTEGER NOT NULL,
          priority     INTEGER NOT NULL,
          tenant       TEXT NOT NULL,
          created_at   INTEGER NOT NULL,
          finished_at  INTEGER,
          unique_key   TEXT,
          unique_until INTEGER,
          tags         TEXT NOT NULL,
          doc          TEXT NOT NULL
        );
        CREATE INDEX jobs_by_created  ON jobs (created_at, id);
        CREATE INDEX jobs_by_status   ON jobs (status, created_at, id);
        CREATE INDEX jobs_by_type     ON jobs (type, created_at, id);
        CREATE INDEX jobs_by_tenant   ON jobs (tenant, created_at, id);
        CREATE INDEX jobs_by_priority ON jobs (priority, created_at, id);
        CREATE INDEX jobs_by_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX jobs_by_unique   ON jobs (unique_until) WHERE unique_until IS NOT NULL;
        CREATE TABLE job_tags (
          tag    TEXT NOT NULL,
          job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
          PRIMARY KEY (tag, job_id)
        ) WITHOUT ROWID;
        CREATE INDEX job_tags_by_job ON job_tags (job_id);
      )sql",
      // 2: the parents of each job, to list a job's dependents; `parents`
      // (joined, like `tags`) tells whether a put changes them. Filled from
      // the documents already stored.
      R"sql(
        ALTER TABLE jobs ADD COLUMN parents TEXT NOT NULL DEFAULT '';
        CREATE TABLE job_parents (
          parent TEXT NOT NULL,
          child  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
          PRIMARY KEY (parent, child)
        ) WITHOUT ROWID;
        CREATE INDEX job_parents_by_child ON job_parents (child);
        INSERT OR IGNORE INTO job_parents (parent, child)
          SELECT p.value, jobs.id FROM jobs, json_each(jobs.doc, '$.depends_on') AS p;
        UPDATE jobs SET parents = coalesce(
          (SELECT group_concat(p.value || char(31), '') FROM json_each(jobs.doc, '$.depends_on') AS p),
          '');
      )sql",
      // 3: what the scheduler needs of a waiting job besides the columns
      // above, so that recovery reads no document: its run_at, the end of a
      // retrying job's backoff, and its dependency rule (mode + 2 * policy
      // on a failed parent). Times are Unix milliseconds; filled from the
      // documents already stored (RFC 3339 text there). The status index
      // covers them, so that recovery reads the index alone (0.2 s instead
      // of 2.4 s for a million jobs: no lookup of each row).
      R"sql(
        ALTER TABLE jobs ADD COLUMN run_at INTEGER;
        ALTER TABLE jobs ADD COLUMN next_attempt_at INTEGER;
        ALTER TABLE jobs ADD COLUMN dependency_rule INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET
          run_at = CAST(round((julianday(json_extract(doc, '$.run_at')) - 2440587.5) * 86400000)
                        AS INTEGER),
          next_attempt_at =
            CAST(round((julianday(json_extract(doc, '$.next_attempt_at')) - 2440587.5) * 86400000)
                 AS INTEGER),
          dependency_rule =
            (CASE json_extract(doc, '$.dependency_mode') WHEN 'any' THEN 1 ELSE 0 END) +
            (CASE json_extract(doc, '$.on_dependency_failure') WHEN 'run' THEN 2 ELSE 0 END);
        DROP INDEX jobs_by_status;
        CREATE INDEX jobs_by_status ON jobs (status, created_at, id, type, priority, run_at,
                                             next_attempt_at, dependency_rule, parents);
      )sql",
      // 4: documents written with `Infinity` or `NaN` for a number out of
      // range (before such numbers were refused) get `null` there, so that
      // they are JSON again (see sqlite_document_repair.hpp). The columns
      // need nothing: none is read from a number.
      {"", repair_documents},
      // 5: periodic schedules (docs/schedules.md): each schedule's record
      // (when it last fired, what it made, paused or not, and an API
      // schedule's definition) as a JSON document, written in the
      // transaction of the jobs a firing makes.
      R"sql(
        CREATE TABLE IF NOT EXISTS schedules (
          name TEXT PRIMARY KEY,
          doc  TEXT NOT NULL
        ) WITHOUT ROWID;
      )sql",
  };
  return list;
}

}  // namespace

std::int64_t latest_schema_version() {
  return static_cast<std::int64_t>(migrations().size());
}

void migrate(connection& db) {
  migrate_to(db, latest_schema_version());
}

void migrate_to(connection& db, std::int64_t latest) {
  transaction tx(db);
  const std::int64_t current = db.query_int("PRAGMA user_version");
  if (current > latest)
    throw newer_schema(SQLITE_ERROR,
                       "the database has schema version " + std::to_string(current) +
                           ", newer than the " + std::to_string(latest) +
                           " this jobforge knows; use a newer jobforge or another data "
                           "directory");
  if (current < 0) throw failure(SQLITE_ERROR, "the database has a negative schema version");
  for (std::int64_t v = current; v < latest; ++v) {
    try {
      const auto& m = migrations()[static_cast<std::size_t>(v)];
      db.exec(m.sql);
      if (m.then) m.then(db);
    } catch (const failure& f) {
      throw failure(f.code(),
                    "migration " + std::to_string(v + 1) + " failed: " + std::string(f.what()));
    }
  }
  if (current != latest) db.exec("PRAGMA user_version = " + std::to_string(latest));
  tx.commit();
}

}  // namespace jobforge::sqlite

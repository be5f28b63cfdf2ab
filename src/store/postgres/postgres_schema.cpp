#include "store/postgres/postgres_schema.hpp"

#include <string>
#include <vector>

namespace jobforge::pg {
namespace {

// Append only: a released migration never changes; a new one gets the next
// number. Each runs inside the start-up transaction.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> list = {
      // 1: the leader lease and its fence, jobs, and their histories.
      //
      // jobforge_leader: one permanent row. `epoch` grows by one at each
      // takeover; jobforge_fence(e), the first statement of every
      // transaction a leader writes, raises JF001 once the epoch is no
      // longer e. Its shared advisory lock makes a takeover (which bumps
      // the epoch under the same lock, exclusively) wait for transactions
      // already past their fence, so none commits after a takeover.
      //
      // jobs: `doc` is the job as JSON without its history; the other
      // columns are copies of what queries filter, sort and recover by.
      // Times are Unix milliseconds. Few indexes: each status change is an
      // update that no index escapes (status is indexed), so every index
      // costs a write per change.
      //
      // job_history: one row per entry, appended, never rewritten (the
      // document of a job stays small however long its history grows).
      // `entry` is the entry's JSON text.
      R"sql(
        CREATE TABLE jobforge_leader (
          id              smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
          epoch           bigint NOT NULL DEFAULT 0,
          holder          text,
          boot_id         text,
          cluster_address text,
          http_address    text,
          acquired_at     timestamptz,
          renewed_at      timestamptz,
          expires_at      timestamptz
        );
        INSERT INTO jobforge_leader (id) VALUES (1);

        CREATE FUNCTION jobforge_fence(expected bigint) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
          current_epoch bigint;
        BEGIN
          PERFORM pg_advisory_xact_lock_shared(7669456882531198722);
          SELECT epoch INTO current_epoch FROM jobforge_leader WHERE id = 1;
          IF current_epoch IS DISTINCT FROM expected THEN
            RAISE EXCEPTION 'jobforge: leader epoch % is no longer current (now %)',
              expected, current_epoch USING ERRCODE = 'JF001';
          END IF;
        END
        $$;

        CREATE TABLE jobs (
          id              uuid PRIMARY KEY,
          type            text NOT NULL,
          status          smallint NOT NULL,
          priority        smallint NOT NULL,
          tenant          text NOT NULL,
          created_at      bigint NOT NULL,
          finished_at     bigint,
          unique_key      text,
          unique_until    bigint,
          tags            text[] NOT NULL,
          parents         uuid[] NOT NULL,
          run_at          bigint,
          next_attempt_at bigint,
          dependency_rule smallint NOT NULL,
          history_length  integer NOT NULL,
          doc             text NOT NULL
        ) WITH (fillfactor = 85,
                autovacuum_vacuum_scale_factor = 0.02,
                autovacuum_analyze_scale_factor = 0.02,
                autovacuum_vacuum_cost_delay = 0);
        CREATE INDEX jobs_by_created  ON jobs (created_at, id);
        CREATE INDEX jobs_by_status   ON jobs (status, created_at, id);
        CREATE INDEX jobs_by_type     ON jobs (type, created_at, id);
        CREATE INDEX jobs_by_tenant   ON jobs (tenant, created_at, id);
        CREATE INDEX jobs_by_tag      ON jobs USING gin (tags) WHERE tags <> '{}';
        CREATE INDEX jobs_by_parent   ON jobs USING gin (parents) WHERE parents <> '{}';
        CREATE INDEX jobs_by_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX jobs_by_unique   ON jobs (unique_until) WHERE unique_until IS NOT NULL;

        CREATE TABLE job_history (
          job_id uuid NOT NULL,
          seq    integer NOT NULL,
          entry  text NOT NULL,
          PRIMARY KEY (job_id, seq)
        ) WITH (autovacuum_vacuum_scale_factor = 0.02,
                autovacuum_analyze_scale_factor = 0.02,
                autovacuum_vacuum_cost_delay = 0);
      )sql",
      // 2: periodic schedules (docs/schedules.md): each schedule's record
      // (when it last fired, what it made, paused or not, and an API
      // schedule's definition) as a JSON document, written in the fenced
      // transaction of the jobs a firing makes: a tick fires once, whichever
      // coordinator leads.
      R"sql(
        CREATE TABLE IF NOT EXISTS jobforge_schedules (
          name text PRIMARY KEY,
          doc  text NOT NULL
        );
      )sql",
      // 3: a dependency timeout joins the rule's number (mode + 2 * policy
      // + 4 * timeout_ms, as SQLite's 64-bit integer column already holds).
      R"sql(
        ALTER TABLE jobs ALTER COLUMN dependency_rule TYPE bigint;
      )sql",
  };
  return list;
}

}  // namespace

std::int64_t latest_schema_version() {
  return static_cast<std::int64_t>(migrations().size());
}

void migrate(connection& db) {
  db.exec("BEGIN");
  try {
    db.exec("SELECT pg_advisory_xact_lock(" + std::to_string(migration_lock_key) + ")");
    db.exec("CREATE TABLE IF NOT EXISTS jobforge_schema (version bigint NOT NULL)");
    auto current_rows = db.exec("SELECT version FROM jobforge_schema");
    std::int64_t current = 0;
    if (current_rows.rows() == 0)
      db.exec("INSERT INTO jobforge_schema (version) VALUES (0)");
    else
      current = current_rows.integer(0, 0);
    const std::int64_t latest = latest_schema_version();
    if (current > latest)
      throw newer_schema("the database has schema version " + std::to_string(current) +
                         ", newer than the " + std::to_string(latest) +
                         " this jobforge knows; use a newer jobforge or another database");
    for (std::int64_t v = current; v < latest; ++v) {
      try {
        db.exec(migrations()[static_cast<std::size_t>(v)]);
      } catch (const failure& f) {
        throw failure("migration " + std::to_string(v + 1) + " failed: " + f.what(), f.sqlstate());
      }
    }
    if (current != latest)
      db.exec("UPDATE jobforge_schema SET version = " + std::to_string(latest));
    db.exec("COMMIT");
  } catch (...) {
    if (db.healthy()) {
      try {
        db.exec("ROLLBACK");
      } catch (const failure&) {
        // The session is gone; its transaction went with it.
      }
    }
    throw;
  }
}

}  // namespace jobforge::pg

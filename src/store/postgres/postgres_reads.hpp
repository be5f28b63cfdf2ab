#pragma once
/// Reading jobs from PostgreSQL: one job by id and a page of a list, shared
/// by the store (whose writer answers reads when there is no reader pool)
/// and by the readers of `postgres.pool_size`, each on a connection of its
/// own (open_postgres_readers).

#include "store/list_query.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_guarded.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobforge::pg_reads {

/// The SQL of a job's history entries joined into one text, as the second
/// column of a read (rows past the job's history length are left over from
/// a longer history that a put replaced).
/// A literal, not a std::string: the store's own statements are built from
/// it while statics initialize, in whatever order the files come.
inline constexpr const char* history_of_row =
    "(SELECT string_agg(h.entry, ',' ORDER BY h.seq) FROM job_history h "
    "WHERE h.job_id = jobs.id AND h.seq < jobs.history_length)";

/// The prepared read of one job by id (its document, then its history).
pg::statement get_statement();

/// A row's id as a job id; a malformed one is a pg::failure.
job_id parse_id(std::string_view text);

/// A document with its history entries (empty: none) as a job, or why it is not one.
expected<job> read_job(std::string_view doc, std::string_view history);

/// The error for a stored job whose document cannot be read.
error unreadable_error(const job_id& id, const std::string& reason);

/// Job `id` (nullopt: none), or an unreadable_error. A database failure is
/// thrown as pg::failure, for the caller's reconnect-and-retry.
expected<std::optional<job>> get_job(pg::connection& db, const pg::statement& get,
                                     const job_id& id);

/// A page of `query`, after the cursor position `after`. Throws pg::failure.
job_page list_jobs(pg::connection& db, const job_query& query,
                   const std::optional<list_position>& after);

/// get_job through pg::guarded: a lost session is opened again.
expected<std::optional<job>> guarded_get(pg::connection& db, const pg::statement& get,
                                         const job_id& id, const pg::guard_hooks& hooks = {});

/// A page of `query` (its cursor checked first) through pg::guarded.
expected<job_page> guarded_list(pg::connection& db, const job_query& query,
                                const pg::guard_hooks& hooks = {});

}  // namespace jobforge::pg_reads

namespace jobforge {

/// `count` readers on connections of their own to the database at `url`.
/// `unavailable` when one cannot connect.
expected<std::vector<std::unique_ptr<store_reader>>> open_postgres_readers(const std::string& url,
                                                                           std::size_t count);

}  // namespace jobforge

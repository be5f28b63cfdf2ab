#include "store/postgres/leader_lease.hpp"

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/postgres_schema.hpp"

#include <algorithm>
#include <random>

namespace jobforge {

namespace {

using pg::number;

// SQLSTATE of a lock wait that ran out of lock_timeout.
const char* const lock_not_available = "55P03";

// Every statement runs on the database's clock (clock_timestamp(), not the
// transaction's start time), so that coordinators whose clocks disagree
// still agree on when a lease expires.
const char* const take_sql = R"sql(
  UPDATE jobforge_leader
     SET epoch = epoch + 1, holder = $1, boot_id = $2, http_address = $3,
         cluster_address = $4, acquired_at = clock_timestamp(),
         renewed_at = clock_timestamp(),
         expires_at = clock_timestamp() + $5::bigint * interval '1 millisecond'
   WHERE id = 1 AND (expires_at IS NULL OR expires_at <= clock_timestamp())
  RETURNING epoch)sql";

const char* const renew_sql = R"sql(
  UPDATE jobforge_leader
     SET renewed_at = clock_timestamp(),
         expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond',
         cluster_address = $5
   WHERE id = 1 AND epoch = $1 AND holder = $2 AND boot_id = $3
     AND expires_at > clock_timestamp()
  RETURNING epoch)sql";

const char* const release_sql = R"sql(
  UPDATE jobforge_leader SET expires_at = clock_timestamp()
   WHERE id = 1 AND epoch = $1 AND holder = $2 AND boot_id = $3
     AND expires_at > clock_timestamp())sql";

const char* const current_sql = R"sql(
  SELECT epoch, holder, boot_id, coalesce(http_address, ''),
         coalesce(cluster_address, ''),
         coalesce(floor(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint,
                  -1)
    FROM jobforge_leader WHERE id = 1)sql";

std::optional<std::string> optional_text(const pg::result& r, int row, int column) {
  if (r.is_null(row, column)) return std::nullopt;
  return std::string(r.text(row, column));
}

}  // namespace

leader_lease::leader_lease(const std::string& url, lease_identity who,
                           std::chrono::milliseconds duration)
    : db_(std::make_unique<pg::connection>(url, pg::session_limits(duration))),
      who_(std::move(who)),
      duration_(duration) {
  pg::migrate(*db_);
}

leader_lease::~leader_lease() = default;

template <class F>
auto leader_lease::guarded(const char* doing, F&& body) -> decltype(body()) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!db_->healthy()) db_->reconnect();
      return body();
    } catch (const pg::failure& f) {
      if (attempt == 0 && !db_->healthy()) continue;
      return error{error_code::unavailable, std::string("could not ") + doing + ": " + f.what()};
    }
  }
}

expected<std::optional<std::int64_t>> leader_lease::try_acquire() {
  return guarded("take the leader lease", [&]() -> expected<std::optional<std::int64_t>> {
    // The exclusive epoch lock waits for every fenced transaction of the old
    // leader in flight, and keeps new ones out until the new epoch commits.
    // It waits a lease's length at most: a transaction of the old leader
    // left open (its process paused, or cut off half-way through a
    // pipeline) would otherwise hold this caller until the server ends it.
    const auto wait = std::max<std::int64_t>(duration_.count(), 1);
    const auto who = identity();
    try {
      auto steps_done = db_->transact({{&lock_timeout_statement(), {number(wait)}},
                                       {&lock_statement(), {}},
                                       {&take_statement(),
                                        {who.holder, who.boot_id, who.http_address,
                                         who.cluster_address, number(duration_.count())}}});
      const auto& taken = steps_done.back();
      if (taken.rows() == 0) return std::optional<std::int64_t>{};
      return std::optional<std::int64_t>{taken.integer(0, 0)};
    } catch (const pg::failure& f) {
      if (f.sqlstate() != lock_not_available) throw;
      return error{error_code::unavailable,
                   "could not take the leader lease: a transaction of the previous leader "
                   "still held the epoch lock after " +
                       number(wait) + " ms"};
    }
  });
}

void leader_lease::set_cluster_address(std::string address) {
  std::lock_guard lock(who_mutex_);
  who_.cluster_address = std::move(address);
}

lease_identity leader_lease::identity() const {
  std::lock_guard lock(who_mutex_);
  return who_;
}

expected<void> leader_lease::renew(std::int64_t epoch) {
  const auto who = identity();
  return guarded("renew the leader lease", [&]() -> expected<void> {
    auto r = db_->query(renew_sql, {number(epoch), who.holder, who.boot_id,
                                    number(duration_.count()), who.cluster_address});
    if (r.rows() == 0)
      return error{error_code::conflict,
                   "the leader lease of epoch " + number(epoch) + " is no longer held here"};
    return {};
  });
}

expected<void> leader_lease::release(std::int64_t epoch) {
  return guarded("release the leader lease", [&]() -> expected<void> {
    db_->query(release_sql, {number(epoch), who_.holder, who_.boot_id});
    return {};
  });
}

expected<lease_state> leader_lease::current() {
  return guarded("read the leader lease", [&]() -> expected<lease_state> {
    auto r = db_->exec(current_sql);
    if (r.rows() == 0) return error{error_code::internal, "the leader lease row is missing"};
    lease_state s;
    s.epoch = r.integer(0, 0);
    s.holder = optional_text(r, 0, 1);
    s.boot_id = optional_text(r, 0, 2);
    s.http_address = std::string(r.text(0, 3));
    s.cluster_address = std::string(r.text(0, 4));
    s.remaining = std::chrono::milliseconds(r.integer(0, 5));
    return s;
  });
}

const pg::statement& leader_lease::lock_statement() {
  static const pg::statement s{"jobforge_lease_lock",
                               "SELECT pg_advisory_xact_lock(" + number(pg::epoch_lock_key) + ")"};
  return s;
}

const pg::statement& leader_lease::lock_timeout_statement() {
  // Local: it ends with the taking transaction.
  static const pg::statement s{"jobforge_lease_lock_timeout",
                               "SELECT set_config('lock_timeout', $1 || 'ms', true)"};
  return s;
}

const pg::statement& leader_lease::take_statement() {
  static const pg::statement s{"jobforge_lease_take", take_sql};
  return s;
}

std::string make_boot_id() {
  std::random_device device;
  std::uniform_int_distribution<unsigned> byte(0, 255);
  static const char* const hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i) {
    auto b = byte(device);
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

}  // namespace jobforge

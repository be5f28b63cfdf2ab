#pragma once
/// The leader lease of coordinators that share one PostgreSQL database (see
/// docs/durability.md): one permanent row holds the epoch, who holds it and
/// until when, by the database's clock. A coordinator becomes the leader by
/// taking the lease once it has expired, which bumps the epoch (under the
/// exclusive advisory lock that jobforge_fence() takes shared, so no
/// transaction of the old leader commits after it); the leader renews it by
/// epoch *and* holder *and* boot id, so a restarted or paused process with
/// the same name never renews a lease it lost.

#include "model/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace jobforge {

namespace pg {
class connection;
struct statement;
}  // namespace pg

/// Who is asking for the lease.
struct lease_identity {
  std::string holder;           ///< the node's name (default: the host name)
  std::string boot_id;          ///< random per process start
  std::string http_address;     ///< where clients reach it (standbys point them there)
  std::string cluster_address;  ///< where worker nodes join it ("" when it has no cluster port)
};

/// The lease as the database has it.
struct lease_state {
  std::int64_t epoch = 0;
  std::optional<std::string> holder;
  std::optional<std::string> boot_id;
  std::string http_address;
  std::string cluster_address;
  /// How long until it expires by the database's clock (negative: expired).
  std::chrono::milliseconds remaining{0};
  bool held_by(const lease_identity& who) const {
    return holder == who.holder && boot_id == who.boot_id;
  }
};

class leader_lease {
 public:
  /// Connects with `url` (a libpq connection string) and migrates the
  /// database if needed. Throws pg::failure when the database cannot be
  /// reached (pg::newer_schema when a newer jobforge migrated it).
  leader_lease(const std::string& url, lease_identity who, std::chrono::milliseconds duration);
  ~leader_lease();
  leader_lease(const leader_lease&) = delete;
  leader_lease& operator=(const leader_lease&) = delete;

  /// Takes the lease when it is free or expired: the new epoch. When another
  /// coordinator holds it, nullopt, and `current()` says who. `unavailable`
  /// when the database cannot be reached, or when a transaction of the old
  /// leader still holds the epoch lock after the lease's duration.
  expected<std::optional<std::int64_t>> try_acquire();

  /// Extends the lease held under `epoch` by the lease duration from now
  /// (database clock). `conflict` when it is no longer held by this process
  /// under that epoch (it expired and another took it, or was released).
  expected<void> renew(std::int64_t epoch);

  /// Lets the lease go at once (a graceful shutdown), so that a standby
  /// takes over without waiting for it to expire. Does nothing when it is
  /// no longer held under `epoch`.
  expected<void> release(std::int64_t epoch);

  /// The lease as it is now.
  expected<lease_state> current();

  /// Where worker nodes join this coordinator: an ephemeral cluster port is
  /// known only once bound, after the lease was taken. The next renewal
  /// writes it (safe to call while another thread renews).
  void set_cluster_address(std::string address);

  lease_identity identity() const;
  std::chrono::milliseconds duration() const { return duration_; }

 private:
  template <class F>
  auto guarded(const char* doing, F&& body) -> decltype(body());
  static const pg::statement& lock_timeout_statement();
  static const pg::statement& lock_statement();
  static const pg::statement& take_statement();

  std::unique_ptr<pg::connection> db_;
  mutable std::mutex who_mutex_;  ///< its cluster address changes while renewals run
  lease_identity who_;
  std::chrono::milliseconds duration_;
};

/// A random boot id (hex), new for each process start.
std::string make_boot_id();

}  // namespace jobforge

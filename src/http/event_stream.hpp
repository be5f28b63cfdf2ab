#pragma once
/// Server-Sent Events for the gateway: one runtime subscription feeds every
/// client. Each event is kept in a ring of recent events
/// (so a client reconnecting with Last-Event-ID gets what it missed), and
/// queued for each connected client whose filter it matches; it is
/// formatted once, when the first client needs it (with nobody listening,
/// formatting every event cost ~4% of the server's CPU under load). A client's
/// queue is bounded: one that falls too far behind is cut off (it
/// reconnects with Last-Event-ID), so a slow client never blocks the
/// runtime, which only ever appends under a short lock. Internal to src/http.

#include "actors/protocol.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace jobforge::http {

/// Which events a client wants (and, by tenant, may see).
struct event_filter {
  std::vector<job_id> jobs;           ///< sorted; empty: every job
  std::vector<std::string> types;     ///< empty: every type
  std::optional<std::string> tenant;  ///< unset: every tenant's (admins)
  bool stats = false;                 ///< also the server-wide `stats` events
  bool job_events = true;             ///< false: no job's events (status, progress, log)
  /// Whether the client narrowed the stream to some jobs or types.
  bool narrowed() const { return !jobs.empty() || !types.empty(); }
  bool matches(const job_id& id, const std::string& job_type, const std::string& job_tenant) const;
};

class event_broadcaster {
 public:
  struct limits {
    std::size_t recent = 10'000;        ///< events kept for Last-Event-ID
    std::size_t client_queue = 10'000;  ///< a client further behind is cut off
  };

  class client;

  event_broadcaster() : event_broadcaster(limits{}) {}
  explicit event_broadcaster(limits l);

  /// Called for every runtime event (on a runtime thread): never blocks long.
  void publish(const job_event& e);

  /// A new client; with `last_seen`, the recent events after it that match
  /// are queued first.
  std::shared_ptr<client> connect(event_filter filter, std::optional<std::uint64_t> last_seen);
  void disconnect(const std::shared_ptr<client>& c);

  /// Ends every stream (the server is stopping).
  void close_all();

  /// Whether some connected client asked for `stats` events.
  bool wants_stats();
  /// Queues an `event: stats` for every client that asked for them. It is
  /// never replayed, so it has no id of its own; in a stream without job
  /// events it carries the latest event's id, the client's only resume point.
  void publish_stats(const std::string& data);

  /// What a client reads next: the text of queued events, or a keep-alive
  /// comment after `idle` without one; nullopt once the stream must end
  /// (closed, or cut off for falling behind: then with a last comment).
  class client {
   public:
    std::optional<std::string> next(std::chrono::milliseconds idle);

   private:
    friend class event_broadcaster;
    event_filter filter_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> queue_;
    bool closed_ = false;
    bool overflowed_ = false;
    bool told_overflow_ = false;
  };

 private:
  struct kept {
    job_event event;
    std::string text;  ///< "id: ...\nevent: ...\ndata: {...}\n\n", once formatted
  };
  bool matches(const client& c, const kept& k) const;
  // Formats `k` if it is not yet, and queues it for `c`.
  void deliver(client& c, kept& k);

  limits limits_;
  std::mutex mutex_;
  std::deque<kept> recent_;
  std::vector<std::shared_ptr<client>> clients_;
};

/// The SSE text of one event.
std::string format_event(const job_event& e);

/// The SSE text of a stats event carrying `data` (JSON), with `id:` when
/// `position` is set.
std::string format_stats_event(const std::string& data,
                               std::optional<std::uint64_t> position = std::nullopt);

/// A node session as its 16 lowercase hex digits (as /api/cluster/nodes shows it).
std::string fmt_session(std::uint64_t session);

}  // namespace jobforge::http

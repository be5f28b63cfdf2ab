#pragma once
/// The ready queue: pending jobs waiting for an executor, one ordered set per
/// job type plus an index of the types that may start a job now (not paused,
/// under their concurrency limit, holding a rate token). The next job is the
/// best head among those types: O(log n) per dispatch, never a scan of jobs.

#include "model/job_id.hpp"
#include "model/job_type.hpp"
#include "model/owning_hash_table.hpp"
#include "model/priority.hpp"
#include "model/token_bucket.hpp"
#include "model/type_set.hpp"

#include <boost/intrusive/set.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace jobforge {

/// Pending jobs by type and dispatch order, with per-type limits.
class ready_queue {
 public:
  /// Declares a type's limits (concurrency 0 = unlimited). Types must be
  /// declared before jobs of theirs are pushed.
  void add_type(const std::string& name, int concurrency_limit, const rate_limit& rate,
                timestamp now);

  /// Queues a job (ignored if already queued).
  void push(const job_id& id, const std::string& type, jobforge::priority p,
            const dispatch_key& key, timestamp now);

  /// Removes a queued job; false if it was not queued.
  bool erase(const job_id& id, timestamp now);

  /// Gives a queued job priority `p`, keeping its place in time (when it
  /// was queued, its sequence), so it ranks as if queued at `p` from the
  /// start; false if it is not queued.
  bool reprioritize(const job_id& id, jobforge::priority p, const aging_policy& aging,
                    timestamp now);

  /// What `pop` hands out.
  struct pick {
    job_id id;
    std::string type;
  };

  /// Takes the best job that may start now, counting it as running for its
  /// type and taking a rate token.
  std::optional<pick> pop(timestamp now) { return pop(now, type_set::all()); }
  /// The same among the types of `allowed` only (those an idle executor runs).
  std::optional<pick> pop(timestamp now, const type_set& allowed);

  /// A declared type's index (the order of add_type), which type_sets use.
  std::optional<std::size_t> type_index(const std::string& name) const;
  std::size_t type_count() const { return types_.size(); }
  const std::string& type_name(std::size_t index) const { return types_[index].name; }

  /// A job of `type` stopped running (frees a concurrency slot).
  void finished(const std::string& type, timestamp now);

  void pause(const std::string& type, timestamp now);
  void resume(const std::string& type, timestamp now);
  bool paused(const std::string& type) const;
  bool has_type(const std::string& type) const { return index_.count(type) > 0; }

  /// Re-checks rate-limited types whose tokens may have refilled.
  void refresh_rates(timestamp now);

  /// The earliest time a rate-limited type with waiting jobs gets a token,
  /// if some type waits only for that.
  std::optional<timestamp> next_rate_wake(timestamp now);

  std::size_t size() const { return where_.size(); }
  std::size_t size_of(const std::string& type) const;
  std::size_t running_of(const std::string& type) const;
  std::size_t size_by_priority(jobforge::priority p) const {
    return by_priority_[static_cast<std::size_t>(p)];
  }
  bool contains(const job_id& id) const { return where_.find(id) != nullptr; }

 private:
  struct entry {
    dispatch_key key;
    job_id id;
    friend bool operator<(const entry& a, const entry& b) {
      if (a.key == b.key) return a.id < b.id;
      return a.key < b.key;
    }
  };
  // One allocation per queued job, linked into its type's queue and into
  // the id table (a std::set node plus a std::unordered_map node before).
  struct queued {
    entry e;
    std::uint32_t type = 0;
    jobforge::priority p = priority::normal;
    boost::intrusive::set_member_hook<boost::intrusive::link_mode<boost::intrusive::normal_link>,
                                      boost::intrusive::optimize_size<true>>
        order;
    hash_table_hook by_id;
  };
  struct id_of {
    using type = job_id;
    const job_id& operator()(const queued& q) const { return q.e.id; }
  };
  struct dispatch_order {
    bool operator()(const queued& a, const queued& b) const { return a.e < b.e; }
  };
  using type_queue = boost::intrusive::set<
      queued, boost::intrusive::member_hook<queued, decltype(queued::order), &queued::order>,
      boost::intrusive::compare<dispatch_order>, boost::intrusive::constant_time_size<true>>;

  struct type_state {
    std::string name;
    type_queue jobs;
    std::size_t running = 0;
    int concurrency_limit = 0;
    bool paused = false;
    token_bucket bucket;
    std::optional<entry> indexed_head;  ///< this type's entry in heads_, if eligible
  };
  struct head {
    entry best;
    std::size_t type;
    friend bool operator<(const head& a, const head& b) {
      if (a.best.key == b.best.key && a.best.id == b.best.id) return a.type < b.type;
      return a.best < b.best;
    }
  };
  void refresh(std::size_t type, timestamp now);
  std::size_t type_of(const std::string& name) const;

  // Owns the queued nodes; declared first so that it outlives the queues.
  owning_hash_table<queued, &queued::by_id, id_of> where_;
  std::vector<type_state> types_;
  std::unordered_map<std::string, std::size_t> index_;
  std::set<head> heads_;
  std::array<std::size_t, 4> by_priority_{};
};

}  // namespace jobforge

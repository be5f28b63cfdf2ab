#pragma once
/// The in-memory store: immutable job snapshots shared with the caller (no
/// deep copy on put), ordered indexes so that filtered, paginated listing
/// walks only the most selective index, and counts by status read off the
/// per-status index sizes.

#include "store/store.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobforge {

/// A store that keeps everything in memory (see make_memory_store).
class memory_store final : public store {
 public:
  expected<void> apply(const std::vector<store_write>& batch) override;
  expected<std::optional<job>> get(const job_id& id) override;
  expected<job_page> list(const job_query& query) override;
  expected<std::vector<job>> load_unfinished() override;
  expected<std::vector<job_summary>> load_unfinished_summaries() override;
  expected<status_counts> count_by_status() override;
  expected<std::vector<dedup_claim>> load_dedup_claims(timestamp now) override;
  expected<std::vector<job_id>> prune_finished(timestamp cutoff, std::size_t limit) override;
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return true; }

  /// How many jobs the store holds.
  std::size_t size() const { return jobs_.size(); }

 private:
  using snapshot = std::shared_ptr<const job>;

  // A job's position in every index: list order is (created_at, id).
  struct order_key {
    timestamp created_at{};
    job_id id;

    friend bool operator<(const order_key& a, const order_key& b) {
      if (a.created_at != b.created_at) return a.created_at < b.created_at;
      return a.id < b.id;
    }
  };
  using key_set = std::set<order_key>;
  // Keyed by a field's value; an entry is dropped once its set is empty, so
  // churning tenants, types and tags do not leak.
  using string_index = std::unordered_map<std::string, key_set>;

  void index(const job& j);
  void reindex(const job& before, const job& after);
  void unindex(const job& j);
  // The index sets whose union holds every match of `filter` (a superset is
  // fine: list re-checks the whole filter), choosing the smallest union.
  std::vector<const key_set*> candidate_sets(const job_filter& filter) const;
  // Visits the keys of the union of `sets` in `order`, with created_at in
  // [from, until) and strictly past `after`, until `visit` returns false.
  template <class Visit>
  static void walk(const std::vector<const key_set*>& sets, job_order order,
                   const std::optional<timestamp>& from, const std::optional<timestamp>& until,
                   const std::optional<order_key>& after, Visit visit);

  std::unordered_map<job_id, snapshot> jobs_;
  // Their sizes are the counts by status, so counting is O(1); together
  // they hold every job once (the order of an unfiltered list).
  std::array<key_set, all_job_statuses.size()> by_status_;
  std::array<key_set, static_cast<std::size_t>(priority::critical) + 1> by_priority_;
  string_index by_type_;
  string_index by_tenant_;
  string_index by_tag_;
  // Jobs by each parent they depend on (an entry goes with its last child).
  std::unordered_map<job_id, key_set> by_parent_;
  // Terminal jobs by when they finished, for retention.
  std::set<std::pair<timestamp, job_id>> by_finished_;
};

}  // namespace jobforge

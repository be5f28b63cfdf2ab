#pragma once
/// The in-memory store: immutable job snapshots shared with the caller (no
/// deep copy on put), ordered indexes so that filtered, paginated listing
/// walks only the most selective index, and counts by status read off the
/// per-status index sizes.

#include "model/owning_hash_table.hpp"
#include "store/store.hpp"

#include <boost/intrusive/set.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
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
  expected<std::vector<schedule_record>> load_schedules() override;
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return true; }

  /// How many jobs the store holds.
  std::size_t size() const { return jobs_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const schedule_record>> schedules_;
  using snapshot = std::shared_ptr<const job>;
  using index_hook =
      boost::intrusive::set_member_hook<boost::intrusive::link_mode<boost::intrusive::normal_link>,
                                        boost::intrusive::optimize_size<true>>;

  // A job's position in every index: list order is (created_at, id).
  struct order_key {
    timestamp created_at{};
    job_id id;

    friend bool operator<(const order_key& a, const order_key& b) {
      if (a.created_at != b.created_at) return a.created_at < b.created_at;
      return a.id < b.id;
    }
  };

  // One allocation per job: its snapshot and its links in the id table and
  // in the status, priority, type and tenant indexes (a queued job costs
  // 128 bytes here instead of a hash node and four set nodes).
  struct stored_job {
    snapshot data;
    hash_table_hook by_id;
    index_hook by_status;
    index_hook by_priority;
    index_hook by_type;
    index_hook by_tenant;

    order_key key() const { return {data->created_at, data->id}; }
  };
  struct id_of {
    using type = job_id;
    const job_id& operator()(const stored_job& s) const { return s.data->id; }
  };
  struct order_of {
    using type = order_key;
    order_key operator()(const stored_job& s) const { return s.key(); }
  };
  template <index_hook stored_job::*Hook>
  using job_set =
      boost::intrusive::set<stored_job, boost::intrusive::member_hook<stored_job, index_hook, Hook>,
                            boost::intrusive::key_of_value<order_of>,
                            boost::intrusive::constant_time_size<true>>;
  using status_set = job_set<&stored_job::by_status>;
  using priority_set = job_set<&stored_job::by_priority>;
  using type_set = job_set<&stored_job::by_type>;
  using tenant_set = job_set<&stored_job::by_tenant>;
  // Tags and parents are many per job and absent from most: plain sets.
  using key_set = std::set<order_key>;
  // Keyed by a field's value; an entry is dropped once its set is empty, so
  // churning tenants, types and tags do not leak.
  template <class Set>
  using value_index = std::unordered_map<std::string, Set>;

  // The sets of one index whose union list() walks.
  using candidates = std::variant<std::vector<const status_set*>, std::vector<const priority_set*>,
                                  std::vector<const type_set*>, std::vector<const tenant_set*>,
                                  std::vector<const key_set*>>;

  void index(stored_job& node);
  void reindex(stored_job& node, snapshot after);
  void unindex(stored_job& node);
  // The index sets whose union holds every match of `filter` (a superset is
  // fine: list re-checks the whole filter), choosing the smallest union.
  candidates candidate_sets(const job_filter& filter) const;
  // Visits the keys of the union of `sets` in `order`, with created_at in
  // [from, until) and strictly past `after`, until `visit` returns false.
  template <class Set, class Visit>
  static void walk(const std::vector<const Set*>& sets, job_order order,
                   const std::optional<timestamp>& from, const std::optional<timestamp>& until,
                   const std::optional<order_key>& after, Visit visit);

  // Owns the nodes; declared first so that it outlives the indexes.
  owning_hash_table<stored_job, &stored_job::by_id, id_of> jobs_;
  // Their sizes are the counts by status, so counting is O(1); together
  // they hold every job once (the order of an unfiltered list).
  std::array<status_set, all_job_statuses.size()> by_status_;
  std::array<priority_set, static_cast<std::size_t>(priority::critical) + 1> by_priority_;
  value_index<type_set> by_type_;
  value_index<tenant_set> by_tenant_;
  value_index<key_set> by_tag_;
  // Jobs by each parent they depend on (an entry goes with its last child).
  std::unordered_map<job_id, key_set> by_parent_;
  // Terminal jobs by when they finished, for retention.
  std::set<std::pair<timestamp, job_id>> by_finished_;
};

}  // namespace jobforge

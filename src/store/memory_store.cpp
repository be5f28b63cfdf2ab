#include "store/memory_store.hpp"

#include "store/list_query.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

namespace jobforge {
namespace {

template <class E>
std::size_t slot(E e) {
  return static_cast<std::size_t>(e);
}

template <class Index, class Key>
void unindex_value(Index& index, const std::string& value, const Key& key) {
  auto it = index.find(value);
  if (it == index.end()) return;  // a job may carry the same tag twice
  it->second.erase(key);
  if (it->second.empty()) index.erase(it);
}

// Whether position `a` of a set lies strictly after position `b`.
template <class Iterator, class Set>
bool lies_after(const Set& set, Iterator a, Iterator b) {
  if (a == b || b == set.end()) return false;
  return a == set.end() || *b < *a;
}

// A k-way merge of sorted ranges (k is at most the number of statuses, so a
// linear pick of the next head beats a heap).
template <class Iterator>
class merged_ranges {
 public:
  void add(Iterator first, Iterator last) {
    if (first != last) heads_.emplace_back(first, last);
  }

  /// The next element in the order `before` defines, or nullptr at the end.
  template <class Before>
  const auto* next(Before before) {
    using element = std::remove_reference_t<decltype(*std::declval<Iterator>())>;
    const element* best = nullptr;
    std::size_t best_head = 0;
    for (std::size_t i = 0; i < heads_.size(); ++i) {
      const element& candidate = *heads_[i].first;
      if (best == nullptr || before(candidate, *best)) {
        best = &candidate;
        best_head = i;
      }
    }
    if (best != nullptr && ++heads_[best_head].first == heads_[best_head].second)
      heads_.erase(heads_.begin() + static_cast<std::ptrdiff_t>(best_head));
    return best;
  }

 private:
  std::vector<std::pair<Iterator, Iterator>> heads_;
};

}  // namespace

template <class Visit>
void memory_store::walk(const std::vector<const key_set*>& sets, job_order order,
                        const std::optional<timestamp>& from, const std::optional<timestamp>& until,
                        const std::optional<order_key>& after, Visit visit) {
  // The nil id sorts first, so {t, nil} is the first position at time t.
  using position = key_set::const_iterator;
  std::vector<std::pair<position, position>> ranges;
  for (const key_set* set : sets) {
    position low = from ? set->lower_bound(order_key{*from, job_id{}}) : set->begin();
    position high = until ? set->lower_bound(order_key{*until, job_id{}}) : set->end();
    if (after && order == job_order::created_asc) {
      const position past_cursor = set->upper_bound(*after);
      if (lies_after(*set, past_cursor, low)) low = past_cursor;
    }
    if (after && order == job_order::created_desc) {
      const position before_cursor = set->lower_bound(*after);
      if (lies_after(*set, high, before_cursor)) high = before_cursor;
    }
    if (lies_after(*set, low, high)) low = high;
    ranges.emplace_back(low, high);
  }

  if (order == job_order::created_asc) {
    merged_ranges<position> merged;
    for (const auto& [low, high] : ranges)
      merged.add(low, high);
    const auto ascending = [](const order_key& a, const order_key& b) { return a < b; };
    while (const order_key* key = merged.next(ascending)) {
      if (!visit(*key)) return;
    }
  } else {
    using backwards = std::reverse_iterator<position>;
    merged_ranges<backwards> merged;
    for (const auto& [low, high] : ranges)
      merged.add(backwards(high), backwards(low));
    const auto descending = [](const order_key& a, const order_key& b) { return b < a; };
    while (const order_key* key = merged.next(descending)) {
      if (!visit(*key)) return;
    }
  }
}

expected<void> memory_store::apply(const std::vector<store_write>& batch) {
  // Checked first: after this nothing can fail (short of running out of
  // memory), which is what makes the batch atomic.
  if (auto ok = check_batch(batch); !ok) return ok;
  for (const auto& write : batch) {
    if (const auto* put = std::get_if<put_job>(&write)) {
      auto [it, inserted] = jobs_.try_emplace(put->snapshot->id, put->snapshot);
      if (inserted) {
        index(*put->snapshot);
      } else {
        reindex(*it->second, *put->snapshot);
        it->second = put->snapshot;
      }
    } else {
      const auto& erase = std::get<erase_job>(write);
      auto it = jobs_.find(erase.id);
      if (it == jobs_.end()) continue;
      unindex(*it->second);
      jobs_.erase(it);
    }
  }
  return {};
}

expected<std::optional<job>> memory_store::get(const job_id& id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::optional<job>{};
  return std::optional<job>{*it->second};
}

expected<job_page> memory_store::list(const job_query& query) {
  auto checked = check_list_query(query);
  if (!checked) return std::move(checked).error_value();
  std::optional<order_key> after;
  if (const auto& position = checked.value()) after = order_key{position->created_at, position->id};

  job_page page;
  std::optional<order_key> last;
  bool more = false;
  walk(candidate_sets(query.filter), query.order, query.filter.created_from,
       query.filter.created_until, after, [&](const order_key& key) {
         const job& j = *jobs_.at(key.id);
         if (!matches(query.filter, j)) return true;
         if (page.items.size() == query.limit) {
           more = true;
           return false;
         }
         page.items.push_back(j);
         last = key;
         return true;
       });
  if (more)
    page.next_cursor = encode_cursor(query.order, list_position{last->created_at, last->id});
  return page;
}

expected<std::vector<job>> memory_store::load_unfinished() {
  std::vector<const key_set*> sets;
  for (auto s : all_job_statuses) {
    if (!is_terminal(s)) sets.push_back(&by_status_[slot(s)]);
  }
  std::vector<job> out;
  walk(sets, job_order::created_asc, std::nullopt, std::nullopt, std::nullopt,
       [&](const order_key& key) {
         out.push_back(*jobs_.at(key.id));
         return true;
       });
  return out;
}

expected<std::vector<job_summary>> memory_store::load_unfinished_summaries() {
  std::vector<job_summary> out;
  for (auto s : all_job_statuses) {
    if (is_terminal(s)) continue;
    for (const auto& key : by_status_[slot(s)])
      out.push_back(summarize(*jobs_.at(key.id)));
  }
  return out;
}

expected<status_counts> memory_store::count_by_status() {
  status_counts counts;
  for (auto s : all_job_statuses)
    counts.by_status[slot(s)] = by_status_[slot(s)].size();
  return counts;
}

void memory_store::index(const job& j) {
  const order_key key{j.created_at, j.id};
  by_status_[slot(j.status)].insert(key);
  by_priority_[slot(j.priority)].insert(key);
  by_type_[j.type].insert(key);
  by_tenant_[j.tenant].insert(key);
  for (const auto& tag : j.tags)
    by_tag_[tag].insert(key);
  if (is_terminal(j.status) && j.finished_at) by_finished_.emplace(*j.finished_at, j.id);
  for (const auto& parent : j.dependencies.depends_on)
    by_parent_[parent].insert(key);
}

void memory_store::reindex(const job& before, const job& after) {
  // Most updates only change the status: touch only the sets whose key moved.
  if (before.created_at != after.created_at || before.type != after.type ||
      before.tenant != after.tenant || before.tags != after.tags ||
      before.dependencies.depends_on != after.dependencies.depends_on) {
    unindex(before);
    index(after);
    return;
  }
  const order_key key{after.created_at, after.id};
  if (before.status != after.status || before.finished_at != after.finished_at) {
    if (is_terminal(before.status) && before.finished_at)
      by_finished_.erase({*before.finished_at, before.id});
    if (is_terminal(after.status) && after.finished_at)
      by_finished_.emplace(*after.finished_at, after.id);
  }
  if (before.status != after.status) {
    by_status_[slot(before.status)].erase(key);
    by_status_[slot(after.status)].insert(key);
  }
  if (before.priority != after.priority) {
    by_priority_[slot(before.priority)].erase(key);
    by_priority_[slot(after.priority)].insert(key);
  }
}

void memory_store::unindex(const job& j) {
  const order_key key{j.created_at, j.id};
  by_status_[slot(j.status)].erase(key);
  by_priority_[slot(j.priority)].erase(key);
  unindex_value(by_type_, j.type, key);
  unindex_value(by_tenant_, j.tenant, key);
  for (const auto& tag : j.tags)
    unindex_value(by_tag_, tag, key);
  if (is_terminal(j.status) && j.finished_at) by_finished_.erase({*j.finished_at, j.id});
  for (const auto& parent : j.dependencies.depends_on) {
    auto it = by_parent_.find(parent);
    if (it == by_parent_.end()) continue;  // a parent named twice
    it->second.erase(key);
    if (it->second.empty()) by_parent_.erase(it);
  }
}

std::vector<const memory_store::key_set*> memory_store::candidate_sets(
    const job_filter& filter) const {
  // Every job is in exactly one status set: their union is the whole store
  // (a set of every job would cost each job one more node).
  std::vector<const key_set*> best;
  for (const auto& set : by_status_)
    best.push_back(&set);
  std::size_t best_size = jobs_.size();
  const auto consider = [&](std::vector<const key_set*> sets) {
    std::size_t size = 0;
    for (const key_set* set : sets)
      size += set->size();
    if (size < best_size) {
      best = std::move(sets);
      best_size = size;
    }
  };
  const auto by_value = [](const string_index& index, const std::string& value) {
    auto it = index.find(value);
    return it == index.end() ? std::vector<const key_set*>{}
                             : std::vector<const key_set*>{&it->second};
  };

  if (filter.statuses) {
    std::array<bool, all_job_statuses.size()> taken{};
    std::vector<const key_set*> sets;
    for (auto s : *filter.statuses) {
      if (!std::exchange(taken[slot(s)], true)) sets.push_back(&by_status_[slot(s)]);
    }
    consider(std::move(sets));
  }
  if (filter.priority) consider({&by_priority_[slot(*filter.priority)]});
  if (filter.type) consider(by_value(by_type_, *filter.type));
  if (filter.tenant) consider(by_value(by_tenant_, *filter.tenant));
  if (filter.tag) consider(by_value(by_tag_, *filter.tag));
  if (filter.parent) {
    auto it = by_parent_.find(*filter.parent);
    consider(it == by_parent_.end() ? std::vector<const key_set*>{}
                                    : std::vector<const key_set*>{&it->second});
  }
  return best;
}

std::unique_ptr<store> make_memory_store() {
  return std::make_unique<memory_store>();
}

expected<std::vector<dedup_claim>> memory_store::load_dedup_claims(timestamp now) {
  std::vector<dedup_claim> out;
  for (const auto& [id, j] : jobs_) {
    if (!j->unique_key || j->unique_for_ms <= 0) continue;
    const timestamp until = j->created_at + milliseconds{j->unique_for_ms};
    if (until > now) out.push_back(dedup_claim{j->tenant, *j->unique_key, id, until});
  }
  return out;
}

expected<std::vector<job_id>> memory_store::prune_finished(timestamp cutoff, std::size_t limit) {
  std::vector<job_id> out;
  while (out.size() < limit && !by_finished_.empty() && by_finished_.begin()->first < cutoff) {
    const job_id id = by_finished_.begin()->second;
    auto it = jobs_.find(id);
    unindex(*it->second);  // drops it from by_finished_ too
    jobs_.erase(it);
    out.push_back(id);
  }
  return out;
}

}  // namespace jobforge

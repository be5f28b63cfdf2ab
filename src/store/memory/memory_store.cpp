#include "store/memory/memory_store.hpp"

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

// Drops `node` from the intrusive set of `index` kept for `value`.
template <class Index, class Node>
void unlink_value(Index& index, const std::string& value, Node& node) {
  auto it = index.find(value);
  it->second.erase(it->second.iterator_to(node));
  if (it->second.empty()) index.erase(it);
}

template <class Set>
void unlink(Set& set, typename Set::reference node) {
  set.erase(set.iterator_to(node));
}

// Whether position `a` of a set lies strictly after position `b`.
template <class Iterator, class Set, class KeyOf>
bool lies_after(const Set& set, Iterator a, Iterator b, KeyOf key_of) {
  if (a == b || b == set.end()) return false;
  return a == set.end() || key_of(*b) < key_of(*a);
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

template <class Set, class Visit>
void memory_store::walk(const std::vector<const Set*>& sets, job_order order,
                        const std::optional<timestamp>& from, const std::optional<timestamp>& until,
                        const std::optional<order_key>& after, Visit visit) {
  const auto key_of = [](const auto& element) -> order_key {
    if constexpr (std::is_same_v<std::decay_t<decltype(element)>, order_key>)
      return element;
    else
      return element.key();
  };
  // The nil id sorts first, so {t, nil} is the first position at time t.
  using position = typename Set::const_iterator;
  std::vector<std::pair<position, position>> ranges;
  for (const Set* set : sets) {
    position low = from ? set->lower_bound(order_key{*from, job_id{}}) : set->begin();
    position high = until ? set->lower_bound(order_key{*until, job_id{}}) : set->end();
    if (after && order == job_order::created_asc) {
      const position past_cursor = set->upper_bound(*after);
      if (lies_after(*set, past_cursor, low, key_of)) low = past_cursor;
    }
    if (after && order == job_order::created_desc) {
      const position before_cursor = set->lower_bound(*after);
      if (lies_after(*set, high, before_cursor, key_of)) high = before_cursor;
    }
    if (lies_after(*set, low, high, key_of)) low = high;
    ranges.emplace_back(low, high);
  }

  if (order == job_order::created_asc) {
    merged_ranges<position> merged;
    for (const auto& [low, high] : ranges)
      merged.add(low, high);
    const auto ascending = [&](const auto& a, const auto& b) { return key_of(a) < key_of(b); };
    while (const auto* element = merged.next(ascending)) {
      if (!visit(key_of(*element))) return;
    }
  } else {
    using backwards = std::reverse_iterator<position>;
    merged_ranges<backwards> merged;
    for (const auto& [low, high] : ranges)
      merged.add(backwards(high), backwards(low));
    const auto descending = [&](const auto& a, const auto& b) { return key_of(b) < key_of(a); };
    while (const auto* element = merged.next(descending)) {
      if (!visit(key_of(*element))) return;
    }
  }
}

expected<void> memory_store::apply(const std::vector<store_write>& batch) {
  // Checked first: after this nothing can fail (short of running out of
  // memory), which is what makes the batch atomic.
  if (auto ok = check_batch(batch); !ok) return ok;
  for (const auto& write : batch) {
    if (const auto* put = std::get_if<put_job>(&write)) {
      if (stored_job* held = jobs_.find(put->snapshot->id)) {
        reindex(*held, put->snapshot);
        continue;
      }
      auto node = std::make_unique<stored_job>();
      node->data = put->snapshot;
      index(*jobs_.insert(std::move(node)).first);
    } else if (const auto* erase = std::get_if<erase_job>(&write)) {
      stored_job* held = jobs_.find(erase->id);
      if (held == nullptr) continue;
      unindex(*held);
      jobs_.erase(*held);
    } else if (const auto* sched = std::get_if<put_schedule>(&write)) {
      schedules_[sched->record->name] = sched->record;
    } else {
      schedules_.erase(std::get<erase_schedule>(write).name);
    }
  }
  return {};
}

expected<std::vector<schedule_record>> memory_store::load_schedules() {
  std::vector<schedule_record> out;
  out.reserve(schedules_.size());
  for (const auto& [name, record] : schedules_)
    out.push_back(*record);
  return out;
}

expected<std::optional<job>> memory_store::get(const job_id& id) {
  const stored_job* held = jobs_.find(id);
  if (held == nullptr) return std::optional<job>{};
  return std::optional<job>{*held->data};
}

expected<job_page> memory_store::list(const job_query& query) {
  auto checked = check_list_query(query);
  if (!checked) return std::move(checked).error_value();
  std::optional<order_key> after;
  if (const auto& position = checked.value()) after = order_key{position->created_at, position->id};

  job_page page;
  std::optional<order_key> last;
  bool more = false;
  const auto visit = [&](const order_key& key) {
    const job& j = *jobs_.find(key.id)->data;
    if (!matches(query.filter, j)) return true;
    if (page.items.size() == query.limit) {
      more = true;
      return false;
    }
    page.items.push_back(j);
    last = key;
    return true;
  };
  std::visit(
      [&](const auto& sets) {
        walk(sets, query.order, query.filter.created_from, query.filter.created_until, after,
             visit);
      },
      candidate_sets(query.filter));
  if (more)
    page.next_cursor = encode_cursor(query.order, list_position{last->created_at, last->id});
  return page;
}

expected<std::vector<job>> memory_store::load_unfinished() {
  std::vector<const status_set*> sets;
  for (auto s : all_job_statuses) {
    if (!is_terminal(s)) sets.push_back(&by_status_[slot(s)]);
  }
  std::vector<job> out;
  walk(sets, job_order::created_asc, std::nullopt, std::nullopt, std::nullopt,
       [&](const order_key& key) {
         out.push_back(*jobs_.find(key.id)->data);
         return true;
       });
  return out;
}

expected<std::vector<job_summary>> memory_store::load_unfinished_summaries() {
  std::vector<job_summary> out;
  for (auto s : all_job_statuses) {
    if (is_terminal(s)) continue;
    for (const stored_job& node : by_status_[slot(s)])
      out.push_back(summarize(*node.data));
  }
  return out;
}

expected<status_counts> memory_store::count_by_status() {
  status_counts counts;
  for (auto s : all_job_statuses)
    counts.by_status[slot(s)] = by_status_[slot(s)].size();
  return counts;
}

void memory_store::index(stored_job& node) {
  const job& j = *node.data;
  const order_key key = node.key();
  by_status_[slot(j.status)].insert(node);
  by_priority_[slot(j.priority)].insert(node);
  by_type_[j.type].insert(node);
  by_tenant_[j.tenant].insert(node);
  for (const auto& tag : j.tags)
    by_tag_[tag].insert(key);
  if (is_terminal(j.status) && j.finished_at) by_finished_.emplace(*j.finished_at, j.id);
  for (const auto& parent : j.dependencies.depends_on)
    by_parent_[parent].insert(key);
}

void memory_store::reindex(stored_job& node, snapshot after) {
  // Most updates only change the status: touch only the sets whose key
  // moved. The order key (created_at, id) of a node must not change while it
  // is linked, so a job whose creation time changed is indexed afresh.
  {
    const job& was = *node.data;
    const job& now = *after;
    if (was.created_at != now.created_at || was.type != now.type || was.tenant != now.tenant ||
        was.tags != now.tags || was.dependencies.depends_on != now.dependencies.depends_on) {
      unindex(node);
      node.data = std::move(after);
      index(node);
      return;
    }
  }
  const snapshot before = std::exchange(node.data, std::move(after));
  const job& was = *before;
  const job& now = *node.data;
  if (was.status != now.status || was.finished_at != now.finished_at) {
    if (is_terminal(was.status) && was.finished_at) by_finished_.erase({*was.finished_at, was.id});
    if (is_terminal(now.status) && now.finished_at) by_finished_.emplace(*now.finished_at, now.id);
  }
  if (was.status != now.status) {
    unlink(by_status_[slot(was.status)], node);
    by_status_[slot(now.status)].insert(node);
  }
  if (was.priority != now.priority) {
    unlink(by_priority_[slot(was.priority)], node);
    by_priority_[slot(now.priority)].insert(node);
  }
}

void memory_store::unindex(stored_job& node) {
  const job& j = *node.data;
  const order_key key = node.key();
  unlink(by_status_[slot(j.status)], node);
  unlink(by_priority_[slot(j.priority)], node);
  unlink_value(by_type_, j.type, node);
  unlink_value(by_tenant_, j.tenant, node);
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

memory_store::candidates memory_store::candidate_sets(const job_filter& filter) const {
  // Every job is in exactly one status set: their union is the whole store
  // (a set of every job would cost each job one more link).
  std::vector<const status_set*> everything;
  for (const auto& set : by_status_)
    everything.push_back(&set);
  candidates best = std::move(everything);
  std::size_t best_size = jobs_.size();
  const auto consider = [&](auto sets) {
    std::size_t size = 0;
    for (const auto* set : sets)
      size += set->size();
    if (size < best_size) {
      best = std::move(sets);
      best_size = size;
    }
  };
  const auto by_value = [](const auto& index, const std::string& value) {
    using set = typename std::decay_t<decltype(index)>::mapped_type;
    auto it = index.find(value);
    return it == index.end() ? std::vector<const set*>{} : std::vector<const set*>{&it->second};
  };

  if (filter.statuses) {
    std::array<bool, all_job_statuses.size()> taken{};
    std::vector<const status_set*> sets;
    for (auto s : *filter.statuses) {
      if (!std::exchange(taken[slot(s)], true)) sets.push_back(&by_status_[slot(s)]);
    }
    consider(std::move(sets));
  }
  if (filter.priority)
    consider(std::vector<const priority_set*>{&by_priority_[slot(*filter.priority)]});
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
  for (const stored_job& node : jobs_) {
    const job& j = *node.data;
    if (!j.unique_key || j.unique_for_ms <= 0) continue;
    const timestamp until = j.created_at + milliseconds{j.unique_for_ms};
    if (until > now) out.push_back(dedup_claim{j.tenant, *j.unique_key, j.id, until});
  }
  return out;
}

expected<std::vector<job_id>> memory_store::prune_finished(timestamp cutoff, std::size_t limit) {
  std::vector<job_id> out;
  while (out.size() < limit && !by_finished_.empty() && by_finished_.begin()->first < cutoff) {
    const job_id id = by_finished_.begin()->second;
    stored_job* node = jobs_.find(id);
    unindex(*node);  // drops it from by_finished_ too
    jobs_.erase(*node);
    out.push_back(id);
  }
  return out;
}

}  // namespace jobforge

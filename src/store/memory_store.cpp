#include "store/memory_store.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

namespace jobforge {
namespace {

constexpr std::size_t max_page_size = 1000;

error invalid_argument(std::string message, boost::json::value details = nullptr) {
  return error{error_code::invalid_argument, std::move(message), std::move(details)};
}

std::string_view order_name(job_order order) {
  return order == job_order::created_desc ? "created_desc" : "created_asc";
}

// A cursor is "c1.<order>.<created_at unix ms>.<id>": the keyset position of
// the last item of a page. Callers must treat it as opaque; the version
// prefix leaves room to change it.
struct list_cursor {
  job_order order = job_order::created_desc;
  timestamp created_at{};
  job_id id;
};

std::string encode_cursor(const list_cursor& c) {
  std::string out = "c1.";
  out += c.order == job_order::created_desc ? "desc" : "asc";
  out += '.';
  out += std::to_string(to_unix_ms(c.created_at));
  out += '.';
  out += to_string(c.id);
  return out;
}

std::optional<list_cursor> decode_cursor(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = text.find('.', start);
    parts.push_back(text.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    if (parts.size() == 4) return std::nullopt;
    start = dot + 1;
  }
  if (parts.size() != 4 || parts[0] != "c1") return std::nullopt;
  list_cursor c;
  if (parts[1] == "desc") {
    c.order = job_order::created_desc;
  } else if (parts[1] == "asc") {
    c.order = job_order::created_asc;
  } else {
    return std::nullopt;
  }
  std::int64_t ms = 0;
  const auto* first = parts[2].data();
  const auto* last = first + parts[2].size();
  const auto [end, ec] = std::from_chars(first, last, ms);
  if (ec != std::errc{} || end != last) return std::nullopt;
  c.created_at = from_unix_ms(ms);
  auto id = job_id::parse(parts[3]);
  if (!id) return std::nullopt;
  c.id = *id;
  // Only the exact text we hand out is accepted (no leading zeros, "+",
  // upper case), so a tampered cursor cannot alias a real one.
  if (encode_cursor(c) != text) return std::nullopt;
  return c;
}

bool matches(const job_filter& f, const job& j) {
  if (f.statuses &&
      std::find(f.statuses->begin(), f.statuses->end(), j.status) == f.statuses->end())
    return false;
  if (f.type && j.type != *f.type) return false;
  if (f.priority && j.priority != *f.priority) return false;
  if (f.tag && std::find(j.tags.begin(), j.tags.end(), *f.tag) == j.tags.end()) return false;
  if (f.tenant && j.tenant != *f.tenant) return false;
  if (f.created_from && j.created_at < *f.created_from) return false;
  if (f.created_until && !(j.created_at < *f.created_until)) return false;
  return true;
}

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
  // Validate everything first: after this loop nothing can fail (short of
  // running out of memory), which is what makes the batch atomic.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto* put = std::get_if<put_job>(&batch[i]);
    if (put == nullptr) continue;
    if (!put->snapshot)
      return invalid_argument("write " + std::to_string(i) + " of the batch puts no job",
                              boost::json::object{{"index", i}});
    if (put->snapshot->id.is_nil())
      return invalid_argument(
          "write " + std::to_string(i) + " of the batch puts a job with the nil id",
          boost::json::object{{"index", i}});
  }
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
  if (query.limit < 1 || query.limit > max_page_size)
    return invalid_argument("limit must be between 1 and " + std::to_string(max_page_size),
                            boost::json::object{{"limit", query.limit}});
  std::optional<order_key> after;
  if (query.cursor) {
    const auto cursor = decode_cursor(*query.cursor);
    if (!cursor)
      return invalid_argument("malformed cursor", boost::json::object{{"cursor", *query.cursor}});
    if (cursor->order != query.order)
      return invalid_argument("the cursor belongs to a list sorted " +
                                  std::string(order_name(cursor->order)) + ", not " +
                                  std::string(order_name(query.order)),
                              boost::json::object{{"cursor", *query.cursor}});
    after = order_key{cursor->created_at, cursor->id};
  }

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
  if (more) page.next_cursor = encode_cursor(list_cursor{query.order, last->created_at, last->id});
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

expected<status_counts> memory_store::count_by_status() {
  status_counts counts;
  for (auto s : all_job_statuses)
    counts.by_status[slot(s)] = by_status_[slot(s)].size();
  return counts;
}

void memory_store::index(const job& j) {
  const order_key key{j.created_at, j.id};
  by_created_.insert(key);
  by_status_[slot(j.status)].insert(key);
  by_priority_[slot(j.priority)].insert(key);
  by_type_[j.type].insert(key);
  by_tenant_[j.tenant].insert(key);
  for (const auto& tag : j.tags)
    by_tag_[tag].insert(key);
}

void memory_store::reindex(const job& before, const job& after) {
  // Most updates only change the status: touch only the sets whose key moved.
  if (before.created_at != after.created_at || before.type != after.type ||
      before.tenant != after.tenant || before.tags != after.tags) {
    unindex(before);
    index(after);
    return;
  }
  const order_key key{after.created_at, after.id};
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
  by_created_.erase(key);
  by_status_[slot(j.status)].erase(key);
  by_priority_[slot(j.priority)].erase(key);
  unindex_value(by_type_, j.type, key);
  unindex_value(by_tenant_, j.tenant, key);
  for (const auto& tag : j.tags)
    unindex_value(by_tag_, tag, key);
}

std::vector<const memory_store::key_set*> memory_store::candidate_sets(
    const job_filter& filter) const {
  std::vector<const key_set*> best{&by_created_};
  std::size_t best_size = by_created_.size();
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
  return best;
}

std::unique_ptr<store> make_memory_store() {
  return std::make_unique<memory_store>();
}

}  // namespace jobforge

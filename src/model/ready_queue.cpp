#include "model/ready_queue.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

namespace jobforge {

std::size_t ready_queue::type_of(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end())
    throw std::out_of_range("ready_queue: undeclared job type '" + name + "'");
  return it->second;
}

void ready_queue::add_type(const std::string& name, int concurrency_limit, const rate_limit& rate,
                           timestamp now) {
  if (index_.count(name)) return;
  index_.emplace(name, types_.size());
  types_.push_back(type_state{name,
                              {},
                              0,
                              concurrency_limit,
                              false,
                              token_bucket(rate.per_second, rate.burst, now),
                              std::nullopt});
}

void ready_queue::refresh(std::size_t t, timestamp now) {
  auto& ts = types_[t];
  if (ts.indexed_head) {
    heads_.erase(head{*ts.indexed_head, t});
    ts.indexed_head.reset();
  }
  const bool under_limit =
      ts.concurrency_limit <= 0 || ts.running < static_cast<std::size_t>(ts.concurrency_limit);
  if (ts.paused || ts.jobs.empty() || !under_limit || !ts.bucket.available(now)) return;
  ts.indexed_head = ts.jobs.begin()->e;
  heads_.insert(head{*ts.indexed_head, t});
}

void ready_queue::push(const job_id& id, const std::string& type, jobforge::priority p,
                       const dispatch_key& key, timestamp now) {
  if (where_.find(id) != nullptr) return;
  const std::size_t t = type_of(type);
  auto node = std::make_unique<queued>();
  node->e = entry{key, id};
  node->type = static_cast<std::uint32_t>(t);
  node->p = p;
  queued& held = *where_.insert(std::move(node)).first;
  types_[t].jobs.insert(held);
  ++by_priority_[static_cast<std::size_t>(p)];
  if (!types_[t].indexed_head || held.e < *types_[t].indexed_head) refresh(t, now);
}

bool ready_queue::erase(const job_id& id, timestamp now) {
  queued* node = where_.find(id);
  if (node == nullptr) return false;
  const std::size_t t = node->type;
  --by_priority_[static_cast<std::size_t>(node->p)];
  types_[t].jobs.erase(types_[t].jobs.iterator_to(*node));
  where_.erase(*node);
  refresh(t, now);
  return true;
}

bool ready_queue::reprioritize(const job_id& id, jobforge::priority p, const aging_policy& aging,
                               timestamp now) {
  queued* node = where_.find(id);
  if (node == nullptr) return false;
  const std::size_t t = node->type;
  types_[t].jobs.erase(types_[t].jobs.iterator_to(*node));
  --by_priority_[static_cast<std::size_t>(node->p)];
  node->p = p;
  node->e.key = make_dispatch_key(p, node->e.key.enqueued_at, node->e.key.sequence, aging);
  ++by_priority_[static_cast<std::size_t>(p)];
  types_[t].jobs.insert(*node);
  refresh(t, now);
  return true;
}

std::optional<ready_queue::pick> ready_queue::pop(timestamp now, const type_set& allowed) {
  auto it = heads_.begin();
  while (it != heads_.end()) {
    const std::size_t t = it->type;
    if (!allowed.contains(t)) {
      ++it;
      continue;
    }
    auto& ts = types_[t];
    // A rate-limited type may have spent its tokens since it was indexed:
    // it leaves the index, and the walk starts again.
    if (!ts.bucket.try_take(now)) {
      refresh(t, now);
      it = heads_.begin();
      continue;
    }
    queued& node = *ts.jobs.begin();
    const job_id id = node.e.id;
    --by_priority_[static_cast<std::size_t>(node.p)];
    ts.jobs.erase(ts.jobs.begin());
    where_.erase(node);
    ++ts.running;
    refresh(t, now);
    return pick{id, ts.name};
  }
  return std::nullopt;
}

std::optional<std::size_t> ready_queue::type_index(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

void ready_queue::finished(const std::string& type, timestamp now) {
  const std::size_t t = type_of(type);
  if (types_[t].running > 0) --types_[t].running;
  refresh(t, now);
}

void ready_queue::pause(const std::string& type, timestamp now) {
  const std::size_t t = type_of(type);
  types_[t].paused = true;
  refresh(t, now);
}

void ready_queue::resume(const std::string& type, timestamp now) {
  const std::size_t t = type_of(type);
  types_[t].paused = false;
  refresh(t, now);
}

bool ready_queue::paused(const std::string& type) const {
  return types_[type_of(type)].paused;
}

void ready_queue::refresh_rates(timestamp now) {
  for (std::size_t t = 0; t < types_.size(); ++t)
    if (types_[t].bucket.limited() && !types_[t].indexed_head && !types_[t].jobs.empty())
      refresh(t, now);
}

std::optional<timestamp> ready_queue::next_rate_wake(timestamp now) {
  std::optional<timestamp> best;
  for (auto& ts : types_) {
    if (!ts.bucket.limited() || ts.paused || ts.jobs.empty() || ts.indexed_head) continue;
    const bool under_limit =
        ts.concurrency_limit <= 0 || ts.running < static_cast<std::size_t>(ts.concurrency_limit);
    if (!under_limit) continue;
    const timestamp at = ts.bucket.next_available(now);
    if (!best || at < *best) best = at;
  }
  return best;
}

std::size_t ready_queue::size_of(const std::string& type) const {
  return types_[type_of(type)].jobs.size();
}

std::size_t ready_queue::running_of(const std::string& type) const {
  return types_[type_of(type)].running;
}

}  // namespace jobforge

#include "model/ready_queue.hpp"

#include <stdexcept>

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
  ts.indexed_head = *ts.jobs.begin();
  heads_.insert(head{*ts.indexed_head, t});
}

void ready_queue::push(const job_id& id, const std::string& type, jobforge::priority p,
                       const dispatch_key& key, timestamp now) {
  if (where_.count(id)) return;
  const std::size_t t = type_of(type);
  const entry e{key, id};
  types_[t].jobs.insert(e);
  where_.emplace(id, location{t, e, p});
  ++by_priority_[static_cast<std::size_t>(p)];
  if (!types_[t].indexed_head || e < *types_[t].indexed_head) refresh(t, now);
}

bool ready_queue::erase(const job_id& id, timestamp now) {
  auto it = where_.find(id);
  if (it == where_.end()) return false;
  const auto loc = it->second;
  where_.erase(it);
  --by_priority_[static_cast<std::size_t>(loc.p)];
  types_[loc.type].jobs.erase(loc.e);
  refresh(loc.type, now);
  return true;
}

std::optional<ready_queue::pick> ready_queue::pop(timestamp now) {
  while (!heads_.empty()) {
    const std::size_t t = heads_.begin()->type;
    auto& ts = types_[t];
    // A rate-limited type may have spent its tokens since it was indexed.
    if (!ts.bucket.try_take(now)) {
      refresh(t, now);
      continue;
    }
    const entry e = *ts.jobs.begin();
    ts.jobs.erase(ts.jobs.begin());
    auto loc = where_.find(e.id);
    --by_priority_[static_cast<std::size_t>(loc->second.p)];
    where_.erase(loc);
    ++ts.running;
    refresh(t, now);
    return pick{e.id, ts.name};
  }
  return std::nullopt;
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

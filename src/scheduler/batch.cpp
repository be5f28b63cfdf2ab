// Batch submission: many jobs, all admitted or none, persisted in one write
// (one group-commit slot for the whole batch). Entries may depend on earlier
// entries by local name, so a batch can hold a whole dependency chain.
#include "scheduler/fetch.hpp"
#include "scheduler/scheduler_internal.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <map>
#include <unordered_map>
#include <unordered_set>

namespace jobforge::sched {
namespace {

constexpr std::size_t max_batch_jobs = 10'000;

struct batch_item {
  job j;                            ///< the new job, when created
  bool created = true;              ///< false: deduplicated onto `existing`
  job_id existing;                  ///< the job a duplicate resolved to
  std::optional<job> existing_job;  ///< fetched for the answer
  parent_tally tally;
  std::vector<job_id> unfinished_parents;
};

struct pending_batch {
  std::vector<batch_item> items;
  std::unordered_map<job_id, std::optional<job_status>> outside_parents;  ///< nullopt: unknown
  std::size_t lookups_left = 0;
  caf::response_promise promise;
  /// A schedule's firing: its record, stored in the jobs' transaction.
  std::optional<schedule_record> schedule;
};

error entry_error(std::size_t index, const error& e) {
  boost::json::object details;
  if (e.details.is_object()) details = e.details.as_object();
  details["index"] = index;
  return error{e.code, "jobs[" + std::to_string(index) + "]: " + e.message, std::move(details)};
}

void fail_batch(scheduler_actor* self, pending_batch& b, const error& e) {
  end_admission(self);
  for (const auto& item : b.items)
    if (item.created) forget_dedup(self, item.j);
  b.promise.deliver(batch_reply{e});
}

// Every lookup is in: count finished parents, then persist all at once.
void complete_batch(scheduler_actor* self, std::shared_ptr<pending_batch> b) {
  for (std::size_t i = 0; i < b->items.size(); ++i) {
    auto& item = b->items[i];
    if (!item.created) {
      if (!item.existing_job)
        return fail_batch(self, *b,
                          entry_error(i, error{error_code::unavailable,
                                               "the job it duplicates could not be read"}));
      continue;
    }
    std::vector<job_id> waiting;
    for (const auto& p : item.unfinished_parents) {
      auto outside = b->outside_parents.find(p);
      if (outside == b->outside_parents.end()) {
        waiting.push_back(p);  // live in the scheduler, or new in this batch
      } else if (!outside->second) {
        return fail_batch(self, *b,
                          entry_error(i, error{error_code::invalid_argument,
                                               "depends_on names unknown job " + to_string(p),
                                               boost::json::object{{"field", "depends_on"},
                                                                   {"job_id", to_string(p)}}}));
      } else if (is_terminal(*outside->second)) {
        count_parent(item.tally, *outside->second);
      } else {
        waiting.push_back(p);  // persisted a moment ago, admitted next
      }
    }
    item.unfinished_parents = std::move(waiting);
    settle_initial_status(self, item.j, item.tally);
  }
  std::vector<store_write> writes;
  std::vector<job_ptr> snapshots;
  for (const auto& item : b->items) {
    if (!item.created) continue;
    snapshots.push_back(std::make_shared<const job>(item.j));
    writes.push_back(put_job{snapshots.back(), true});
  }
  if (b->schedule) {
    const auto& last = b->items.back();
    b->schedule->last_job = last.created ? last.j.id : last.existing;
    writes.push_back(put_schedule{std::make_shared<const schedule_record>(*b->schedule)});
  }
  self->request(self->state.env->store, caf::infinite, persist_atom::value, std::move(writes))
      .then([self, b, snapshots](void_reply& stored) {
        if (!stored)
          return fail_batch(self, *b,
                            error{error_code::unavailable, "the batch could not be stored: " +
                                                               stored.error_value().message});
        std::vector<submit_result> answer;
        answer.reserve(b->items.size());
        for (auto& item : b->items)
          answer.push_back(item.created ? submit_result{item.j, true}
                                        : submit_result{std::move(*item.existing_job), false});
        b->promise.deliver(batch_reply{std::move(answer)});
        // In order: an entry's parents in the batch are admitted before it.
        std::size_t next = 0;
        for (auto& item : b->items) {
          if (!item.created) continue;
          publish_submitted(self, item.j);
          admit(self, snapshots[next++], item.tally, item.unfinished_parents);
        }
        end_admission(self);
      });
}

}  // namespace

void submit_batch(scheduler_actor* self, std::vector<batch_entry>& entries,
                  caf::response_promise promise, std::optional<schedule_record> schedule) {
  auto& st = self->state;
  if (st.draining) return promise.deliver(batch_reply{shutting_down()});
  if (auto ok = st.env->write_outage->writable(); !ok)
    return promise.deliver(batch_reply{std::move(ok).error_value()});
  if (entries.empty() || entries.size() > max_batch_jobs)
    return promise.deliver(
        batch_reply{error{error_code::invalid_argument,
                          "a batch holds 1 to " + std::to_string(max_batch_jobs) + " jobs, not " +
                              std::to_string(entries.size()),
                          boost::json::object{{"field", "jobs"}, {"count", entries.size()}}}});
  const timestamp t = now(self);
  auto b = std::make_shared<pending_batch>();
  b->promise = promise;
  b->schedule = std::move(schedule);
  std::unordered_map<std::string, std::size_t> by_name;
  std::map<std::pair<std::string, std::string>, std::size_t> keys_in_batch;
  std::vector<job_id> resolved;  // each entry's job: new, or the one it duplicates
  std::unordered_map<job_id, std::size_t> new_ids;  ///< entry index of each new job

  // Check everything before changing anything: a bad entry rejects the batch.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& e = entries[i];
    if (!e.name.empty() && by_name.count(e.name))
      return promise.deliver(batch_reply{entry_error(
          i, error{error_code::invalid_argument, "the name \"" + e.name + "\" is used twice",
                   boost::json::object{{"field", "name"}}})});
    for (const auto& parent : e.depends_on_names) {
      auto it = by_name.find(parent);
      if (it == by_name.end())
        return promise.deliver(batch_reply{entry_error(
            i, error{error_code::invalid_argument,
                     "depends_on names \"" + parent +
                         "\", which is neither a job id nor the name of an earlier job of "
                         "the batch",
                     boost::json::object{{"field", "depends_on"}, {"name", parent}}})});
      e.request.dependencies.depends_on.push_back(resolved[it->second]);
    }
    auto prepared =
        st.env->types->prepare(e.request, job_id::generate_time_ordered(*st.env->rng, t), t);
    if (!prepared) return promise.deliver(batch_reply{entry_error(i, prepared.error_value())});
    batch_item item;
    item.j = std::move(prepared).value();
    if (item.j.unique_key && item.j.unique_for_ms > 0) {
      const auto key = std::make_pair(item.j.tenant, *item.j.unique_key);
      if (auto same = keys_in_batch.find(key); same != keys_in_batch.end()) {
        item.created = false;
        item.existing = resolved[same->second];
      } else if (auto existing = st.dedup.find(item.j.tenant, *item.j.unique_key, t)) {
        item.created = false;
        item.existing = *existing;
      } else {
        keys_in_batch.emplace(key, i);
      }
    }
    resolved.push_back(item.created ? item.j.id : item.existing);
    if (item.created) new_ids.emplace(item.j.id, i);
    if (!e.name.empty()) by_name.emplace(e.name, i);
    b->items.push_back(std::move(item));
  }

  // From here on the batch holds its keys and counts as an admission.
  ++st.admissions_in_flight;
  std::unordered_set<job_id> to_fetch;
  for (auto& item : b->items) {
    if (!item.created) {
      if (!new_ids.count(item.existing)) to_fetch.insert(item.existing);
      continue;
    }
    const job& j = item.j;
    if (j.unique_key && j.unique_for_ms > 0)
      st.dedup.remember(j.tenant, *j.unique_key, j.id, t + milliseconds{j.unique_for_ms});
    item.tally.total = static_cast<std::uint32_t>(j.dependencies.depends_on.size());
    for (const auto& p : j.dependencies.depends_on) {
      item.unfinished_parents.push_back(p);
      if (!new_ids.count(p) && !st.jobs.count(p)) {
        b->outside_parents.emplace(p, std::nullopt);
        to_fetch.insert(p);
      }
    }
  }
  st.dedup.expire(t);
  // A duplicate of a job new in this batch answers with that job.
  for (auto& item : b->items)
    if (auto same = new_ids.find(item.existing); !item.created && same != new_ids.end())
      item.existing_job = b->items[same->second].j;
  if (to_fetch.empty()) return complete_batch(self, b);
  b->lookups_left = to_fetch.size();
  for (const auto& id : to_fetch) {
    fetch(self, id, [self, b, id](job_reply& r) {
      if (r) {
        if (auto it = b->outside_parents.find(id); it != b->outside_parents.end())
          it->second = r->status;
        for (auto& item : b->items)
          if (!item.created && item.existing == id) item.existing_job = *r;
      }
      if (--b->lookups_left == 0) complete_batch(self, b);
    });
  }
}

}  // namespace jobforge::sched

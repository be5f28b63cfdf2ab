#include "actors/schedule_keeper.hpp"

#include "actors/protocol.hpp"
#include "actors/send_after.hpp"
#include "model/next_fire.hpp"
#include "model/schedule.hpp"
#include "zones/iana_zone.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>

namespace jobforge {
namespace {

using keeper = schedule_keeper_actor;

/// A firing the store could not take goes again after this long.
constexpr milliseconds outage_retry{1'000};

timestamp now(keeper* self) {
  return self->state.env->clock.at(self->clock().now());
}

error no_schedule(std::string_view name) {
  return error{error_code::not_found, "no schedule '" + std::string(name) + "'",
               boost::json::object{{"schedule", name}}};
}

std::optional<timestamp> next_fire_at(const live_schedule& l, timestamp t) {
  if (l.record.paused || !l.expression || !l.zone) return std::nullopt;
  return next_fire_time(*l.expression, *l.zone, std::max(l.record.ticks_since(), t));
}

schedule_status status_of(keeper* self, const schedule_entry& e) {
  const auto& l = self->state.live.at(e.definition.name);
  return schedule_status{e.definition, e.origin, l.record, next_fire_at(l, now(self))};
}

/// Compiles a definition: its cron expression and its zone.
expected<void> compile(const schedule_definition& d, live_schedule& l) {
  auto expression = validate_schedule(d);
  if (!expression) return std::move(expression).error_value();
  auto zone = find_iana_zone(d.zone);
  if (!zone) {
    auto e = std::move(zone).error_value();
    return error{e.code, "schedule '" + d.name + "': zone: " + e.message,
                 boost::json::object{{"schedule", d.name}, {"field", "zone"}}};
  }
  l.expression = std::move(expression).value();
  l.zone = std::move(zone).value();
  return {};
}

void arm(keeper* self);

/// Ends a schedule's busy spell: runs what waited for it, in order, until
/// one of them makes it busy again.
void settle(keeper* self, const std::string& name) {
  auto it = self->state.live.find(name);
  if (it == self->state.live.end()) return;
  it->second.busy = false;
  while (!it->second.busy && !it->second.after_busy.empty()) {
    auto next = std::move(it->second.after_busy.front());
    it->second.after_busy.erase(it->second.after_busy.begin());
    next();
    it = self->state.live.find(name);
    if (it == self->state.live.end()) return;
  }
}

/// Runs `op` now, or once the schedule's firing or write in flight is over.
void when_idle(keeper* self, const std::string& name, std::function<void()> op) {
  auto it = self->state.live.find(name);
  if (it != self->state.live.end() && it->second.busy)
    it->second.after_busy.push_back(std::move(op));
  else
    op();
}

/// Stores `record` alone; `done` gets the outcome once it is committed.
void store_record(keeper* self, schedule_record record, std::function<void(void_reply&)> done) {
  std::vector<store_write> writes{put_schedule{std::make_shared<const schedule_record>(record)}};
  self->request(self->state.env->store, caf::infinite, persist_atom::value, std::move(writes))
      .then([done = std::move(done)](void_reply& r) { done(r); });
}

/// Submits the jobs of `ticks` (or, for a trigger, one job: `ticks` empty)
/// with the schedule's record as it is after them, in one transaction.
void fire(keeper* self, const std::string& name, std::vector<timestamp> ticks,
          std::uint64_t skipped, std::optional<caf::response_promise> trigger) {
  auto& st = self->state;
  const auto* entry = st.book.find(name);
  auto& l = st.live.at(name);
  const timestamp t = now(self);
  schedule_record next = l.record;
  const std::size_t jobs = ticks.empty() ? 1 : ticks.size();
  if (!ticks.empty()) next.last_tick = ticks.back();
  next.skipped = std::min(next.skipped + skipped, std::uint64_t{1} << 62);
  next.fires += jobs;
  next.last_fired_at = t;
  next.last_error.reset();
  schedule_firing firing;
  firing.entries.assign(jobs, batch_entry{{}, entry->definition.job, {}});
  firing.record = next;
  l.busy = true;
  l.retry_at.reset();
  self->request(st.env->scheduler, caf::infinite, fire_atom::value, std::move(firing))
      .then([=](batch_reply& r) mutable {
        auto it = self->state.live.find(name);
        if (it == self->state.live.end()) return;  // cannot happen: deletes wait
        auto& live = it->second;
        if (r) {
          next.last_job = r->back().value.id;
          live.record = next;
          if (trigger) {
            spdlog::info("schedule {}: triggered by hand, job={}", name, to_string(*next.last_job));
            trigger->deliver(submit_reply{std::move(r->back())});
          } else {
            spdlog::info("schedule {}: fired {} tick(s), last {}, job={}{}", name, ticks.size(),
                         format_rfc3339(ticks.back()), to_string(*next.last_job),
                         skipped ? ", " + std::to_string(skipped) + " missed tick(s) skipped" : "");
          }
          settle(self, name);
          return arm(self);
        }
        const auto& e = r.error_value();
        if (trigger) {
          trigger->deliver(submit_reply{e});
          settle(self, name);
          return arm(self);
        }
        if (e.code == error_code::unavailable) {
          // Nothing was stored: the same ticks fire once the store is back.
          spdlog::warn("schedule {}: could not fire ({}); trying again in {} ms", name, e.message,
                       outage_retry.count());
          live.retry_at = now(self) + outage_retry;
          settle(self, name);
          return arm(self);
        }
        // Refused for good (a type gone, a payload its schema now rejects):
        // the ticks count as a failure and the schedule moves on.
        schedule_record failed = live.record;
        failed.last_tick = ticks.back();
        failed.failures += 1;
        failed.skipped = next.skipped;
        failed.last_error = e.message;
        spdlog::error("schedule {}: tick {} made no job: {}", name, format_rfc3339(ticks.back()),
                      e.message);
        store_record(self, failed, [=](void_reply& stored) {
          auto at = self->state.live.find(name);
          if (at == self->state.live.end()) return;
          if (stored)
            at->second.record = failed;
          else  // kept as it was: the same ticks go again after the outage
            at->second.retry_at = now(self) + outage_retry;
          settle(self, name);
          arm(self);
        });
      });
}

/// Fires every schedule that has ticks due.
void tick(keeper* self) {
  auto& st = self->state;
  const timestamp t = now(self);
  for (const auto* entry : st.book.list()) {
    const auto& name = entry->definition.name;
    auto& l = st.live.at(name);
    if (l.busy || !l.expression || !l.zone || l.record.paused) continue;
    if (l.retry_at && *l.retry_at > t) continue;
    auto due = ticks_due(entry->definition, *l.expression, *l.zone, l.record.ticks_since(), t);
    if (due.fire.empty()) continue;
    fire(self, name, std::move(due.fire), due.skipped, std::nullopt);
  }
}

/// Arms one timer for the earliest next tick (or firing retry).
void arm(keeper* self) {
  auto& st = self->state;
  const timestamp t = now(self);
  std::optional<timestamp> earliest;
  for (const auto& [name, l] : st.live) {
    if (l.busy) continue;  // arms again when it settles
    auto next = l.retry_at ? l.retry_at : next_fire_at(l, t);
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  const auto generation = ++st.alarm;
  if (!earliest) return;
  const auto delay = std::max(milliseconds{0}, *earliest - t);
  send_after(self, caf::actor_cast<caf::actor>(self), delay, wake_atom::value, generation);
}

void create(keeper* self, schedule_definition d, const std::string& by,
            caf::response_promise promise) {
  auto& st = self->state;
  live_schedule l;
  if (auto ok = compile(d, l); !ok) return promise.deliver(schedule_reply{ok.error_value()});
  // Every job it will make must be one the scheduler takes now.
  auto trial = st.env->types->prepare(d.job, job_id::generate_time_ordered(*st.env->rng, now(self)),
                                      now(self));
  if (!trial) {
    auto e = std::move(trial).error_value();
    boost::json::object details{{"schedule", d.name}};
    if (e.details.is_object())
      for (const auto& [k, v] : e.details.as_object())
        details[k] = v;
    return promise.deliver(schedule_reply{
        error{e.code, "schedule '" + d.name + "': job: " + e.message, std::move(details)}});
  }
  if (auto ok = st.book.create(d); !ok) return promise.deliver(schedule_reply{ok.error_value()});
  l.record.name = d.name;
  l.record.definition = d;
  l.record.paused = d.paused;
  l.record.since = now(self);
  l.record.created_by = by;
  l.busy = true;  // no tick before the record is stored
  const auto name = d.name;
  auto record = l.record;
  st.live.insert_or_assign(name, std::move(l));
  store_record(self, record, [=](void_reply& stored) mutable {
    auto& s = self->state;
    if (!stored) {
      static_cast<void>(s.book.remove(name));
      auto it = s.live.find(name);
      auto waiting = std::move(it->second.after_busy);
      s.live.erase(it);
      promise.deliver(schedule_reply{stored.error_value()});
      for (auto& op : waiting)
        op();  // each finds no schedule now
      return;
    }
    spdlog::info("schedule {}: created by {} ({} in {})", name, by.empty() ? "-" : by,
                 record.definition->cron, record.definition->zone);
    promise.deliver(schedule_reply{status_of(self, *s.book.find(name))});
    settle(self, name);
    arm(self);
  });
}

void remove(keeper* self, const std::string& name, const std::string& by,
            caf::response_promise promise) {
  auto& st = self->state;
  const auto* entry = st.book.find(name);
  if (entry == nullptr) return promise.deliver(void_reply{no_schedule(name)});
  if (entry->origin == schedule_origin::config)
    return promise.deliver(void_reply{st.book.remove(name).error_value()});
  st.live.at(name).busy = true;
  std::vector<store_write> writes{erase_schedule{name}};
  self->request(st.env->store, caf::infinite, persist_atom::value, std::move(writes))
      .then([=](void_reply& erased) mutable {
        auto& s = self->state;
        if (!erased) {
          promise.deliver(void_reply{erased.error_value()});
          settle(self, name);
          return arm(self);
        }
        static_cast<void>(s.book.remove(name));
        auto it = s.live.find(name);
        auto waiting = std::move(it->second.after_busy);
        s.live.erase(it);
        spdlog::info("schedule {}: deleted by {}", name, by.empty() ? "-" : by);
        promise.deliver(void_reply{});
        for (auto& op : waiting)
          op();
        arm(self);
      });
}

void set_paused(keeper* self, const std::string& name, bool paused, const std::string& by,
                caf::response_promise promise) {
  auto& st = self->state;
  const auto* entry = st.book.find(name);
  if (entry == nullptr) return promise.deliver(schedule_reply{no_schedule(name)});
  auto& l = st.live.at(name);
  if (l.record.paused == paused) return promise.deliver(schedule_reply{status_of(self, *entry)});
  auto record = l.record;
  record.paused = paused;
  // Resumed: ticks count from now, so the time it was paused fires nothing.
  if (!paused) record.since = now(self);
  if (record.definition) record.definition->paused = paused;
  l.busy = true;
  store_record(self, record, [=](void_reply& stored) mutable {
    auto& s = self->state;
    auto it = s.live.find(name);
    if (!stored) {
      promise.deliver(schedule_reply{stored.error_value()});
    } else {
      it->second.record = record;
      static_cast<void>(s.book.set_paused(name, paused));
      it->second.retry_at.reset();
      spdlog::info("schedule {}: {} by {}", name, paused ? "paused" : "resumed",
                   by.empty() ? "-" : by);
      promise.deliver(schedule_reply{status_of(self, *s.book.find(name))});
    }
    settle(self, name);
    arm(self);
  });
}

void trigger(keeper* self, const std::string& name, const std::string& by,
             caf::response_promise promise) {
  auto& st = self->state;
  if (st.book.find(name) == nullptr) return promise.deliver(submit_reply{no_schedule(name)});
  spdlog::info("schedule {}: trigger asked by {}", name, by.empty() ? "-" : by);
  fire(self, name, {}, 0, promise);
}

/// The book and live state from the config's schedules and the store's records.
void load(keeper* self, std::vector<schedule_record> records) {
  auto& st = self->state;
  std::map<std::string, schedule_record, std::less<>> by_name;
  std::vector<schedule_definition> api;
  for (auto& r : records) {
    if (r.definition) api.push_back(*r.definition);
    auto name = r.name;
    by_name.insert_or_assign(std::move(name), std::move(r));
  }
  auto book = schedule_book::make(st.env->config.schedules, std::move(api));
  if (!book) {  // the config was checked before start-up; keep going without them
    spdlog::error("schedules: {}", book.error_value().message);
    book = schedule_book::make({}, {});
  }
  st.book = std::move(book).value();
  for (const auto& name : st.book.shadowed())
    spdlog::warn(
        "schedule {}: the config defines a schedule of this name, so the one created through "
        "the API is not in force (delete it from the config to bring it back)",
        name);
  const timestamp t = now(self);
  std::vector<store_write> first_records;
  for (const auto* entry : st.book.list()) {
    const auto& d = entry->definition;
    live_schedule l;
    if (auto found = by_name.find(d.name); found != by_name.end()) {
      // A config schedule's record has no definition, unless an API
      // schedule it shadows left one: kept, so it comes back if the config
      // drops the name.
      l.record = found->second;
    } else {
      // A config schedule seen for the first time: ticks count from now,
      // stored at once so that a restart before its first tick misses none.
      l.record.name = d.name;
      l.record.paused = d.paused;
      l.record.since = t;
      // In place: from a temporary variant, GCC 12 warns (falsely) that
      // put_job::created may be read uninitialized.
      first_records.emplace_back(std::in_place_type<put_schedule>,
                                 put_schedule{std::make_shared<const schedule_record>(l.record)});
    }
    // The book's `paused` follows the record from here on.
    static_cast<void>(st.book.set_paused(d.name, l.record.paused));
    if (auto ok = compile(d, l); !ok) {
      spdlog::error("schedule {}: cannot fire: {}", d.name, ok.error_value().message);
      l.record.last_error = ok.error_value().message;
    }
    st.live.insert_or_assign(d.name, std::move(l));
  }
  if (!first_records.empty())
    self->request(st.env->store, caf::infinite, persist_atom::value, std::move(first_records))
        .then([](void_reply& r) {
          if (!r) spdlog::warn("schedules: first records not stored: {}", r.error_value().message);
        });
  if (!st.live.empty()) spdlog::info("schedules: {} in force", st.live.size());
}

}  // namespace

caf::behavior schedule_keeper(keeper* self, env_ptr env, std::vector<schedule_record> records) {
  self->state.env = std::move(env);
  load(self, std::move(records));
  tick(self);
  arm(self);
  return {
      [=](wake_atom, std::uint64_t generation) {
        if (generation != self->state.alarm) return;
        tick(self);
        arm(self);
      },
      [=](schedule_list_atom) {
        std::vector<schedule_status> out;
        for (const auto* entry : self->state.book.list())
          out.push_back(status_of(self, *entry));
        return out;
      },
      [=](schedule_create_atom, schedule_definition& d, const std::string& by) {
        auto promise = self->make_response_promise();
        create(self, std::move(d), by, promise);
        return promise;
      },
      [=](schedule_delete_atom, const std::string& name, const std::string& by) {
        auto promise = self->make_response_promise();
        when_idle(self, name, [=] { remove(self, name, by, promise); });
        return promise;
      },
      [=](schedule_pause_atom, const std::string& name, bool paused, const std::string& by) {
        auto promise = self->make_response_promise();
        when_idle(self, name, [=] { set_paused(self, name, paused, by, promise); });
        return promise;
      },
      [=](schedule_trigger_atom, const std::string& name, const std::string& by) {
        auto promise = self->make_response_promise();
        when_idle(self, name, [=] { trigger(self, name, by, promise); });
        return promise;
      },
  };
}

}  // namespace jobforge

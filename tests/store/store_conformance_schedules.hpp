#pragma once
/// Conformance behaviours: schedule records, written in a job batch's own
/// transaction and read back at start-up.

#include "model/schedule_record.hpp"
#include "store_conformance_support.hpp"

#include <boost/json.hpp>

#include <map>
#include <string>

namespace jobforge::conformance {

inline std::shared_ptr<const schedule_record> share(schedule_record r) {
  return std::make_shared<const schedule_record>(std::move(r));
}

/// The records a store holds, by name, as comparable JSON text.
inline std::map<std::string, std::string> stored_schedules(store& s) {
  auto r = s.load_schedules();
  INFO(describe(r));
  REQUIRE(r.has_value());
  std::map<std::string, std::string> out;
  for (const auto& record : *r)
    out[record.name] = boost::json::serialize(to_json(record));
  return out;
}

template <class Backend>
void schedule_records_round_trip() {
  auto s = open_store<Backend>();
  CHECK(stored_schedules(*s).empty());

  schedule_record api;  // every field set
  api.name = "nightly-report";
  schedule_definition d;
  d.name = api.name;
  d.cron = "30 2 * * 1-5";
  d.zone = "Europe/Berlin";
  d.on_missed = missed_ticks_policy::catch_up;
  d.catch_up_cap = 4;
  d.job.type = "echo";
  d.job.payload = boost::json::parse(R"({"text": "héllo", "n": [1, 2.5]})");
  d.job.priority = priority::high;
  d.job.tags = {"reports"};
  api.definition = d;
  api.paused = true;
  api.since = at_second(10);
  api.last_tick = at_second(20);
  api.last_fired_at = at_second(21);
  api.last_job = make_job(1, at_second(21)).id;
  api.fires = 7;
  api.skipped = 3;
  api.failures = 1;
  api.last_error = "unknown job type 'gone'";
  api.created_by = "alice";
  schedule_record config;  // only what a config schedule's record has
  config.name = "every-minute";
  config.since = at_second(5);

  // Written with a job, in one batch.
  const job j = make_job(2, at_second(21));
  apply_ok(*s, {put_job{share(j)}, put_schedule{share(api)}, put_schedule{share(config)}});
  auto stored = stored_schedules(*s);
  REQUIRE(stored.size() == 2);
  CHECK(stored["nightly-report"] == boost::json::serialize(to_json(api)));
  CHECK(stored["every-minute"] == boost::json::serialize(to_json(config)));

  // A later write replaces the record; the last write of a batch wins.
  config.fires = 1;
  config.last_tick = at_second(60);
  schedule_record later = config;
  later.fires = 2;
  apply_ok(*s, {put_schedule{share(config)}, put_schedule{share(later)}});
  CHECK(stored_schedules(*s)["every-minute"] == boost::json::serialize(to_json(later)));

  // Erased, and an absent name is no error.
  apply_ok(*s, {erase_schedule{"nightly-report"}, erase_schedule{"never-was"}});
  stored = stored_schedules(*s);
  CHECK(stored.size() == 1);
  CHECK(stored.count("every-minute") == 1);
  // The job of the first batch is there too.
  auto read = s->get(j.id);
  REQUIRE(read.has_value());
  CHECK(read.value().has_value());
}

}  // namespace jobforge::conformance

// Periodic schedules in the runtime, in simulated time: ticks fire at their
// instants, missed ticks after a restart follow on_missed, a tick never
// fires twice across restarts (its jobs and the schedule's record are one
// transaction), pause and resume, a trigger by hand, refusals recorded as
// failures, and a store outage retried from the same tick.
#include "runtime_fixture.hpp"
#include "store/forwarding_store.hpp"
#include "store_backends.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

/// 2026-01-01 (the harness's default start) at hh:mm:ss UTC.
timestamp at(int h, int m, int s = 0) {
  return from_unix_ms(1'767'225'600'000) + std::chrono::hours(h) + std::chrono::minutes(m) +
         std::chrono::seconds(s);
}

schedule_definition every(std::string name, std::string cron, std::string type = "noop") {
  schedule_definition d;
  d.name = std::move(name);
  d.cron = std::move(cron);
  d.job = request(std::move(type));
  return d;
}

schedule_status status_of(testing::simulated_runtime& rt, const std::string& name) {
  for (auto& s : rt.schedules())
    if (s.definition.name == name) return s;
  FAIL("no schedule " << name);
  return {};
}

/// The jobs of `type` in the store, oldest first.
std::vector<job> jobs_of(testing::simulated_runtime& rt, const std::string& type) {
  job_query q;
  q.filter.type = type;
  q.order = job_order::created_asc;
  q.limit = 1000;
  auto page = rt.list(q);
  REQUIRE(page.has_value());
  return page->items;
}

runtime_config with_schedules(std::vector<schedule_definition> s) {
  runtime_config c;
  c.schedules = std::move(s);
  return c;
}

}  // namespace

TEST_CASE("schedules: a config schedule fires at each tick, one job each", "[runtime][schedule]") {
  testing::simulated_runtime rt(demo_registry(), with_schedules({every("minutely", "* * * * *")}));
  auto s = status_of(rt, "minutely");
  CHECK(s.origin == schedule_origin::config);
  REQUIRE(s.next_fire_at);
  CHECK(*s.next_fire_at == at(0, 1));
  rt.advance(59s);
  CHECK(jobs_of(rt, "noop").empty());
  rt.advance(1s);
  auto made = jobs_of(rt, "noop");
  REQUIRE(made.size() == 1);
  CHECK(made[0].created_at == at(0, 1));
  s = status_of(rt, "minutely");
  CHECK(s.record.fires == 1);
  CHECK(s.record.last_tick == at(0, 1));
  CHECK(s.record.last_job == made[0].id);
  CHECK(s.next_fire_at == at(0, 2));
  rt.advance(3min);
  CHECK(jobs_of(rt, "noop").size() == 4);
  CHECK(status_of(rt, "minutely").record.fires == 4);
  CHECK(fetch(rt, made[0].id).status == job_status::completed);
}

TEST_CASE("schedules: a schedule in a time zone fires at its local time", "[runtime][schedule]") {
  auto d = every("berlin-morning", "30 6 * * *");
  d.zone = "Europe/Berlin";  // UTC+1 in January
  testing::simulated_runtime rt(demo_registry(), with_schedules({d}));
  CHECK(status_of(rt, "berlin-morning").next_fire_at == at(5, 30));
  rt.advance(std::chrono::hours(6));
  auto made = jobs_of(rt, "noop");
  REQUIRE(made.size() == 1);
  CHECK(made[0].created_at == at(5, 30));
}

namespace schedule_suite {

// Missed ticks after downtime follow catch_up (the latest `cap`), and a
// restart at the same instant fires nothing twice.
template <class Backend>
void restart_catches_up_without_firing_twice() {
  typename Backend::storage data;
  auto d = every("five", "*/5 * * * *");
  d.on_missed = missed_ticks_policy::catch_up;
  d.catch_up_cap = 3;
  {
    testing::simulated_runtime rt(demo_registry(), {}, 1, data.open());
    REQUIRE(rt.create_schedule(d, "alice").has_value());
    rt.advance(5min);
    CHECK(status_of(rt, "five").record.fires == 1);
  }
  {  // down from 00:05 to 00:35: ticks 00:10 ... 00:35 missed
    testing::simulated_runtime rt(demo_registry(), {}, 1, data.open(), at(0, 35));
    const auto s = status_of(rt, "five");
    CHECK(s.origin == schedule_origin::api);
    CHECK(s.record.created_by == "alice");
    CHECK(s.record.fires == 4);
    CHECK(s.record.skipped == 3);
    CHECK(s.record.last_tick == at(0, 35));
    auto made = jobs_of(rt, "noop");
    REQUIRE(made.size() == 4);
    CHECK(made[0].created_at == at(0, 5));
    CHECK(made[3].created_at == at(0, 35));
  }
  {  // again at the same instant: the ticks are recorded with their jobs
    testing::simulated_runtime rt(demo_registry(), {}, 1, data.open(), at(0, 35));
    CHECK(status_of(rt, "five").record.fires == 4);
    CHECK(jobs_of(rt, "noop").size() == 4);
    rt.advance(5min);
    CHECK(status_of(rt, "five").record.fires == 5);
  }
}

// A config schedule's first start is recorded at once: a restart before
// its first tick still fires the ticks it missed.
template <class Backend>
void config_schedule_remembers_its_start() {
  typename Backend::storage data;
  auto d = every("hourly", "0 * * * *");
  d.on_missed = missed_ticks_policy::skip;
  { testing::simulated_runtime rt(demo_registry(), with_schedules({d}), 1, data.open()); }
  testing::simulated_runtime rt(demo_registry(), with_schedules({d}), 1, data.open(), at(3, 10));
  const auto s = status_of(rt, "hourly");
  CHECK(s.record.fires == 1);  // skip: the latest of 01:00, 02:00, 03:00
  CHECK(s.record.skipped == 2);
  CHECK(s.record.last_tick == at(3, 0));
  CHECK(s.next_fire_at == at(4, 0));
}

}  // namespace schedule_suite

#define JOBFORGE_SCHEDULE_CASE_(backend, label, title, behaviour)              \
  JOBFORGE_RUNTIME_BACKEND_CASE_(backend, label, "[runtime][schedule]", title, \
                                 schedule_suite::behaviour)
#define JOBFORGE_SCHEDULE_SUITE(backend, label)                                                \
  JOBFORGE_SCHEDULE_CASE_(backend, label,                                                      \
                          "schedule: missed ticks catch up after a restart, none fires twice", \
                          restart_catches_up_without_firing_twice)                             \
  JOBFORGE_SCHEDULE_CASE_(backend, label,                                                      \
                          "schedule: a config schedule's start survives a restart",            \
                          config_schedule_remembers_its_start)

JOBFORGE_SCHEDULE_SUITE(memory_backend, "memory")
JOBFORGE_SCHEDULE_SUITE(sqlite_backend, "sqlite")
JOBFORGE_SCHEDULE_SUITE(postgres_backend, "postgres")

TEST_CASE("schedules: paused, no tick fires; resumed, ticks count from then",
          "[runtime][schedule]") {
  testing::simulated_runtime rt(demo_registry());
  REQUIRE(rt.create_schedule(every("m", "* * * * *")).has_value());
  auto paused = rt.pause_schedule("m", true, "bob");
  REQUIRE(paused.has_value());
  CHECK(paused->definition.paused);
  CHECK_FALSE(paused->next_fire_at);
  rt.advance(std::chrono::seconds(3 * 60 + 30));
  CHECK(jobs_of(rt, "noop").empty());
  auto resumed = rt.pause_schedule("m", false, "bob");
  REQUIRE(resumed.has_value());
  CHECK(resumed->next_fire_at == at(0, 4));
  rt.advance(30s);
  CHECK(jobs_of(rt, "noop").size() == 1);
  const auto s = status_of(rt, "m");
  CHECK(s.record.fires == 1);
  CHECK(s.record.skipped == 0);
  // Pausing what is paused changes nothing and is no error.
  REQUIRE(rt.pause_schedule("m", true).has_value());
  REQUIRE(rt.pause_schedule("m", true).has_value());
}

TEST_CASE("schedules: a trigger makes one job now and leaves the ticks alone",
          "[runtime][schedule]") {
  testing::simulated_runtime rt(demo_registry());
  REQUIRE(rt.create_schedule(every("m", "* * * * *")).has_value());
  rt.advance(10s);
  auto triggered = rt.trigger_schedule("m", "carol");
  REQUIRE(triggered.has_value());
  CHECK(triggered->value.type == "noop");
  CHECK(triggered->value.created_at == at(0, 0, 10));
  auto s = status_of(rt, "m");
  CHECK(s.record.fires == 1);
  CHECK_FALSE(s.record.last_tick);
  CHECK(s.record.last_job == triggered->value.id);
  CHECK(s.next_fire_at == at(0, 1));
  rt.advance(50s);
  CHECK(status_of(rt, "m").record.fires == 2);
  CHECK(rt.trigger_schedule("nope").error_value().code == error_code::not_found);
}

TEST_CASE("schedules: a definition the runtime cannot take is refused and changes nothing",
          "[runtime][schedule]") {
  testing::simulated_runtime rt(demo_registry(), with_schedules({every("from-config", "@daily")}));
  const auto code_of = [&](schedule_definition d) {
    auto r = rt.create_schedule(std::move(d));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error_value().message);
    return r.error_value().code;
  };
  CHECK(code_of(every("bad-cron", "61 * * * *")) == error_code::invalid_argument);
  auto zoned = every("bad-zone", "* * * * *");
  zoned.zone = "Mars/Olympus";
  CHECK(code_of(zoned) == error_code::invalid_argument);
  CHECK(code_of(every("no-type", "* * * * *", "no-such-type")) == error_code::unknown_job_type);
  auto bad_payload = every("bad-payload", "* * * * *", "sleep");
  bad_payload.job.payload = boost::json::parse(R"({"ms": "soon"})");
  CHECK(code_of(bad_payload) == error_code::schema_violation);
  CHECK(code_of(every("from-config", "* * * * *")) == error_code::conflict);
  REQUIRE(rt.create_schedule(every("mine", "* * * * *")).has_value());
  CHECK(code_of(every("mine", "*/2 * * * *")) == error_code::conflict);
  CHECK(rt.delete_schedule("from-config").error_value().code == error_code::conflict);
  CHECK(rt.delete_schedule("nope").error_value().code == error_code::not_found);
  const auto names = [&] {
    std::vector<std::string> out;
    for (const auto& s : rt.schedules())
      out.push_back(s.definition.name);
    return out;
  };
  CHECK(names() == std::vector<std::string>{"from-config", "mine"});
  CHECK(rt.schedules()[1].definition.cron == "* * * * *");
}

TEST_CASE("schedules: a deleted schedule fires no more and is gone after a restart",
          "[runtime][schedule]") {
  std::shared_ptr<store> backend = make_memory_store();
  {
    testing::simulated_runtime rt(demo_registry(), {}, 1, backend);
    REQUIRE(rt.create_schedule(every("m", "* * * * *")).has_value());
    rt.advance(1min);
    REQUIRE(rt.delete_schedule("m", "dave").has_value());
    rt.advance(5min);
    CHECK(jobs_of(rt, "noop").size() == 1);  // its job stays
    CHECK(rt.schedules().empty());
  }
  testing::simulated_runtime rt(demo_registry(), {}, 1, backend, at(0, 6));
  CHECK(rt.schedules().empty());
}

TEST_CASE("schedules: a tick the scheduler refuses counts as a failure and the next tick goes on",
          "[runtime][schedule]") {
  std::shared_ptr<store> backend = make_memory_store();
  auto extra = [](job_type_registry& types) {
    job_type gone = *types.find("noop");
    gone.name = "retired";
    REQUIRE(types.add(std::move(gone)));
  };
  {
    testing::simulated_runtime rt(demo_registry(extra), {}, 1, backend);
    REQUIRE(rt.create_schedule(every("r", "* * * * *", "retired")).has_value());
  }
  // The type is no longer registered when the schedule next fires.
  testing::simulated_runtime rt(demo_registry(), {}, 1, backend, at(0, 0, 30));
  rt.advance(30s);
  auto s = status_of(rt, "r");
  CHECK(s.record.failures == 1);
  CHECK(s.record.fires == 0);
  CHECK(s.record.last_tick == at(0, 1));
  REQUIRE(s.record.last_error);
  CHECK(s.record.last_error->find("retired") != std::string::npos);
  rt.advance(1min);
  CHECK(status_of(rt, "r").record.failures == 2);
}

namespace {

/// A memory store whose next `failing` batches fail as an outage would.
class outage_store final : public forwarding_store {
 public:
  outage_store() : forwarding_store(make_memory_store()) {}
  int failing = 0;
  expected<void> apply(const std::vector<store_write>& b) override {
    if (failing > 0) {
      --failing;
      return error{error_code::unavailable, "the disk is gone"};
    }
    return inner().apply(b);
  }
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return false; }
};

}  // namespace

TEST_CASE("schedules: a tick the store cannot take goes again a second later, once",
          "[runtime][schedule]") {
  auto backend = std::make_shared<outage_store>();
  testing::simulated_runtime rt(demo_registry(), {}, 1, backend);
  REQUIRE(rt.create_schedule(every("m", "* * * * *")).has_value());
  rt.advance(59s);
  backend->failing = 2;
  rt.advance(1s);  // 00:01:00: refused
  CHECK(jobs_of(rt, "noop").empty());
  CHECK(status_of(rt, "m").record.fires == 0);
  rt.advance(1s);  // 00:01:01: refused again
  CHECK(jobs_of(rt, "noop").empty());
  rt.advance(1s);  // 00:01:02: stored
  auto made = jobs_of(rt, "noop");
  REQUIRE(made.size() == 1);
  CHECK(made[0].created_at == at(0, 1, 2));
  const auto s = status_of(rt, "m");
  CHECK(s.record.fires == 1);
  CHECK(s.record.failures == 0);
  CHECK(s.record.last_tick == at(0, 1));
  rt.advance(1min);
  CHECK(jobs_of(rt, "noop").size() == 2);
}

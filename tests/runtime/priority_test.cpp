// Priorities that move while jobs wait (SPEC §5): a change asked for by an
// operator, recorded in the history with who asked, and priority
// inheritance, where a job that a higher-priority job waits on (directly or
// through other waiting jobs) competes at the waiter's priority for as long
// as it waits. On the memory store (documents held) and on SQLite with no
// document held (every record is read from the store first).
#include "../support/temp_dir.hpp"
#include "runtime_fixture.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <map>
#include <memory>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

job_request sleep_job(std::int64_t ms, priority p, std::vector<job_id> parents = {}) {
  job_request r;
  r.type = "sleep";
  r.payload = boost::json::object{{"ms", ms}};
  r.priority = p;
  r.dependencies.depends_on = std::move(parents);
  return r;
}

/// Labels of the jobs in the order they started.
std::vector<std::string> start_order(const std::vector<job_event>& events,
                                     const std::map<job_id, std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.what != job_event::kind::status || e.to != job_status::running) continue;
    if (auto it = labels.find(e.id); it != labels.end()) out.push_back(it->second);
  }
  return out;
}

/// One executor, strict priorities (no aging), on the store under test.
struct world {
  testing_support::temp_dir dir;
  std::unique_ptr<testing::simulated_runtime> rt;
  std::map<job_id, std::string> labels;

  explicit world(bool on_sqlite) : sqlite(on_sqlite) {
    runtime_config config;
    config.executors = 1;
    config.aging.per_level = 0ms;
    std::shared_ptr<store> backend = make_memory_store();
    if (sqlite) {
      config.held_documents = 0;  // the scheduler reads each job before it records it
      auto opened = open_sqlite_store({dir.file("jobforge.db"), sqlite_sync::normal});
      REQUIRE(opened);
      backend = std::move(opened).value();
    }
    rt = std::make_unique<testing::simulated_runtime>(demo_registry(), config, 1, backend);
  }
  job add(const std::string& label, job_request r) {
    const job j = submit_ok(*rt, std::move(r));
    labels[j.id] = label;
    return j;
  }
  std::vector<std::string> order() const { return start_order(rt->events(), labels); }
  /// The whole order when the scheduler holds the documents; else its first
  /// `certain` starts: a released dependent is read from the store before it
  /// is queued, and a slot freed meanwhile may go to a job already queued.
  void check_order(std::vector<std::string> expected, std::size_t certain) const {
    auto actual = order();
    REQUIRE(actual.size() == expected.size());
    if (sqlite) {
      actual.resize(certain);
      expected.resize(certain);
    }
    CHECK(actual == expected);
  }
  bool sqlite = false;
};

}  // namespace

TEST_CASE("a job that a critical job waits on runs at critical, ahead of normal work",
          "[priority][inheritance]") {
  const bool sqlite = GENERATE(false, true);
  INFO((sqlite ? "sqlite" : "memory"));
  world w(sqlite);
  auto& rt = *w.rt;
  w.add("busy", sleep_job(1000, priority::normal));
  const job parent = w.add("low-parent", sleep_job(100, priority::low));
  w.add("normal-1", sleep_job(100, priority::normal));
  w.add("normal-2", sleep_job(100, priority::normal));
  CHECK(fetch(rt, parent.id).inherited_priority == std::nullopt);

  const job child = w.add("critical-child", sleep_job(100, priority::critical, {parent.id}));
  rt.run();
  const job lent = fetch(rt, parent.id);
  CHECK(lent.priority == priority::low);  // its own priority is unchanged
  CHECK(lent.inherited_priority == priority::critical);
  CHECK(rt.stats().ready_by_priority[static_cast<int>(priority::critical)] == 1);

  rt.advance(2s);
  w.check_order({"busy", "low-parent", "critical-child", "normal-1", "normal-2"}, 2);
  CHECK(fetch(rt, child.id).status == job_status::completed);
  CHECK(valid_history(fetch(rt, parent.id)));
}

TEST_CASE("inheritance ends when the waiter leaves", "[priority][inheritance]") {
  const bool sqlite = GENERATE(false, true);
  INFO((sqlite ? "sqlite" : "memory"));
  world w(sqlite);
  auto& rt = *w.rt;
  w.add("busy", sleep_job(1000, priority::normal));
  const job parent = w.add("low-parent", sleep_job(100, priority::low));
  w.add("normal", sleep_job(100, priority::normal));
  const job child = w.add("high-child", sleep_job(100, priority::high, {parent.id}));
  rt.run();
  REQUIRE(fetch(rt, parent.id).inherited_priority == priority::high);

  auto canceled = rt.cancel(child.id);
  rt.run();
  REQUIRE(canceled.ready());
  REQUIRE(canceled.get().has_value());
  CHECK(fetch(rt, parent.id).inherited_priority == std::nullopt);
  rt.advance(2s);
  CHECK(w.order() == std::vector<std::string>{"busy", "normal", "low-parent"});
}

TEST_CASE("inheritance passes through a waiting job to the one it waits on",
          "[priority][inheritance]") {
  const bool sqlite = GENERATE(false, true);
  INFO((sqlite ? "sqlite" : "memory"));
  world w(sqlite);
  auto& rt = *w.rt;
  w.add("busy", sleep_job(1000, priority::normal));
  const job a = w.add("a", sleep_job(100, priority::low));
  const job b = w.add("b", sleep_job(100, priority::low, {a.id}));
  w.add("normal", sleep_job(100, priority::normal));
  CHECK(fetch(rt, b.id).status == job_status::blocked);
  const job c = w.add("c", sleep_job(100, priority::high, {b.id}));
  rt.run();
  CHECK(fetch(rt, a.id).inherited_priority == priority::high);
  CHECK(fetch(rt, b.id).inherited_priority == priority::high);
  CHECK(fetch(rt, c.id).inherited_priority == std::nullopt);

  SECTION("and a priority change of the waiter moves it along the chain") {
    auto raised = rt.change_priority(c.id, priority::critical, "alice");
    rt.run();
    REQUIRE(raised.ready());
    REQUIRE(raised.get().has_value());
    CHECK(fetch(rt, a.id).inherited_priority == priority::critical);
    CHECK(fetch(rt, b.id).inherited_priority == priority::critical);
    auto lowered = rt.change_priority(c.id, priority::low, "alice");
    rt.run();
    REQUIRE(lowered.get().has_value());
    CHECK(fetch(rt, a.id).inherited_priority == std::nullopt);
    CHECK(fetch(rt, b.id).inherited_priority == std::nullopt);
    rt.advance(2s);
    CHECK(w.order() == std::vector<std::string>{"busy", "normal", "a", "b", "c"});
  }
  SECTION("which runs first, then its waiters in turn") {
    rt.advance(2s);
    w.check_order({"busy", "a", "b", "c", "normal"}, 2);
  }
}

TEST_CASE("a priority change moves a pending job at once and is in its history with who asked",
          "[priority]") {
  const bool sqlite = GENERATE(false, true);
  INFO((sqlite ? "sqlite" : "memory"));
  world w(sqlite);
  auto& rt = *w.rt;
  w.add("busy", sleep_job(1000, priority::normal));
  w.add("normal", sleep_job(100, priority::normal));
  const job low = w.add("low", sleep_job(100, priority::low));

  auto changed = rt.change_priority(low.id, priority::high, "ops-key");
  rt.run();
  REQUIRE(changed.ready());
  REQUIRE(changed.get().has_value());
  const job& answer = *changed.get();
  CHECK(answer.priority == priority::high);
  const auto& note = answer.history.back();
  CHECK(note.from == job_status::pending);
  CHECK(note.to == job_status::pending);
  CHECK(note.reason == "priority high (was low) by ops-key");
  CHECK(fetch(rt, low.id).history.size() == answer.history.size());

  auto same = rt.change_priority(low.id, priority::high, "ops-key");
  rt.run();
  REQUIRE(same.get().has_value());
  CHECK(fetch(rt, low.id).history.size() == answer.history.size());  // nothing changed

  rt.advance(2s);
  CHECK(w.order() == std::vector<std::string>{"busy", "low", "normal"});
  const job done = fetch(rt, low.id);
  CHECK(valid_history(done));  // the note is not a transition
  auto late = rt.change_priority(low.id, priority::critical, "ops-key");
  rt.run();
  REQUIRE_FALSE(late.get().has_value());
  CHECK(late.get().error_value().code == error_code::conflict);
}

// The scheduler holding waiting jobs as summaries: with a store that does not
// share its snapshots (SQLite) and a deep queue (here: held_documents = 0),
// the scheduler lets go of each waiting job's document and reads it back from the store writer when
// a transition needs it, and a supervisor reads its job before the first attempt. The paths of a
// job through the scheduler, on that kind of store.
#include "runtime_fixture.hpp"
#include "store/forwarding_store.hpp"

#include <memory>

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

/// The memory store, saying it does not share its snapshots (as SQLite), and
/// counting the reads of one job.
class unshared_store final : public forwarding_store {
 public:
  unshared_store() : forwarding_store(make_memory_store()) {}
  expected<std::optional<job>> get(const job_id& id) override {
    ++gets;
    if (failing_gets > 0) {
      --failing_gets;
      return error{error_code::unavailable, "disk I/O error (injected by the test)"};
    }
    return inner().get(id);
  }
  expected<std::vector<job>> load_unfinished() override {
    FAIL("recovery reads summaries, not whole jobs");
    return inner().load_unfinished();
  }
  bool commits_wait_for_disk() const override { return false; }
  bool shares_snapshots() const override { return false; }

  std::size_t gets = 0;
  std::size_t failing_gets = 0;  ///< this many reads fail first
};

/// A configuration in which no waiting job is kept whole.
runtime_config held_nothing(runtime_config config = {}) {
  config.held_documents = 0;
  return config;
}

/// The same with one executor, so that jobs wait their turn.
runtime_config held_nothing_one_executor() {
  runtime_config config = held_nothing();
  config.executors = 1;
  return config;
}

struct summary_runtime {
  std::shared_ptr<unshared_store> backend = std::make_shared<unshared_store>();
  std::unique_ptr<testing::simulated_runtime> rt;

  explicit summary_runtime(runtime_config config = held_nothing(),
                           timestamp at = from_unix_ms(1'767'225'600'000))
      : rt(std::make_unique<testing::simulated_runtime>(demo_registry(), config, 11, backend, at)) {
  }
};

job_request sleep_for(std::int64_t ms, std::optional<priority> p = std::nullopt) {
  auto r = request("sleep", ("{\"ms\": " + std::to_string(ms) + "}").c_str());
  r.priority = p;
  return r;
}

}  // namespace

TEST_CASE("summaries: queued jobs start by priority, each supervisor reading its own job",
          "[runtime][summaries]") {
  summary_runtime s(held_nothing_one_executor());
  auto& rt = *s.rt;
  const job busy = submit_ok(rt, sleep_for(1'000));
  const job low = submit_ok(rt, sleep_for(10, priority::low));
  const job high = submit_ok(rt, sleep_for(10, priority::high));
  const job critical = submit_ok(rt, sleep_for(10, priority::critical));
  rt.advance(5s);
  for (const auto* j : {&busy, &low, &high, &critical}) {
    const job done = fetch(rt, j->id);
    CHECK(done.status == job_status::completed);
    CHECK(valid_history(done));
    CHECK(done.payload == j->payload);  // the job the supervisor read is the one submitted
  }
  CHECK(*fetch(rt, critical.id).started_at < *fetch(rt, high.id).started_at);
  CHECK(*fetch(rt, high.id).started_at < *fetch(rt, low.id).started_at);
}

TEST_CASE("summaries: a delayed job moves to pending at run_at and runs", "[runtime][summaries]") {
  summary_runtime s;
  auto& rt = *s.rt;
  auto r = request("noop");
  r.run_in_ms = 30'000;
  const job j = submit_ok(rt, std::move(r));
  REQUIRE(j.status == job_status::scheduled);
  rt.advance(29s);
  CHECK(fetch(rt, j.id).status == job_status::scheduled);
  rt.advance(2s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(path_of(done) == std::vector<job_status>{job_status::scheduled, job_status::pending,
                                                 job_status::running, job_status::completed});
}

TEST_CASE("summaries: dependents are released or canceled by their parents' ends",
          "[runtime][summaries]") {
  summary_runtime s;
  auto& rt = *s.rt;
  const job parent = submit_ok(rt, sleep_for(1'000));
  const job failing = submit_ok(rt, request("fail", R"({"times": 1, "kind": "permanent"})"));
  auto after = request("noop");
  after.dependencies.depends_on = {parent.id};
  const job child = submit_ok(rt, std::move(after));
  auto doomed = request("noop");
  doomed.dependencies.depends_on = {failing.id};
  const job doomed_child = submit_ok(rt, std::move(doomed));
  auto grand = request("noop");
  grand.dependencies.depends_on = {doomed_child.id};
  const job doomed_grandchild = submit_ok(rt, std::move(grand));
  rt.advance(5s);
  CHECK(fetch(rt, child.id).status == job_status::completed);
  CHECK(fetch(rt, doomed_child.id).status == job_status::canceled);
  CHECK(fetch(rt, doomed_grandchild.id).status == job_status::canceled);
  CHECK(valid_history(fetch(rt, doomed_grandchild.id)));
}

TEST_CASE("summaries: waiting jobs are canceled from what the store holds",
          "[runtime][summaries]") {
  summary_runtime s(held_nothing_one_executor());
  auto& rt = *s.rt;
  const job busy = submit_ok(rt, sleep_for(10'000));
  const job pending = submit_ok(rt, request("noop"));
  auto delayed = request("noop");
  delayed.run_in_ms = 60'000;
  const job scheduled = submit_ok(rt, std::move(delayed));
  auto waiting = request("noop");
  waiting.dependencies.depends_on = {busy.id};
  const job blocked = submit_ok(rt, std::move(waiting));
  for (const auto* j : {&pending, &scheduled, &blocked}) {
    auto reply = rt.cancel(j->id, {cancel_mode::graceful, "not needed", "bob"});
    rt.run();
    REQUIRE(reply.ready());
    REQUIRE(reply.get().has_value());
    CHECK(reply.get()->status == job_status::canceled);
    CHECK(reply.get()->payload == j->payload);
    CHECK(reply.get()->canceled_by == std::string("bob"));
  }
  rt.advance(120s);
  CHECK(fetch(rt, busy.id).status == job_status::completed);
  for (const auto* j : {&pending, &scheduled, &blocked}) {
    const job now = fetch(rt, j->id);
    CHECK(now.status == job_status::canceled);
    CHECK(now.attempts == 0);
    CHECK(valid_history(now));
  }
}

TEST_CASE("summaries: a blocked job's parents change from what the store holds",
          "[runtime][summaries]") {
  summary_runtime s;
  auto& rt = *s.rt;
  const job slow = submit_ok(rt, sleep_for(10'000));
  const job slower = submit_ok(rt, sleep_for(20'000));
  auto r = request("noop");
  r.dependencies.depends_on = {slow.id};
  const job child = submit_ok(rt, std::move(r));
  auto added = rt.add_dependencies(child.id, {slower.id});
  REQUIRE(added.ready());
  REQUIRE(added.get().has_value());
  CHECK(added.get()->dependencies.depends_on.size() == 2);
  rt.advance(10s);
  CHECK(fetch(rt, child.id).status == job_status::blocked);
  auto removed = rt.remove_dependency(child.id, slower.id);
  REQUIRE(removed.ready());
  REQUIRE(removed.get().has_value());
  CHECK(removed.get()->status == job_status::pending);
  rt.run();
  CHECK(fetch(rt, child.id).status == job_status::completed);
  CHECK(fetch(rt, child.id).dependencies.depends_on.size() == 1);
}

TEST_CASE("summaries: a restart resumes every status from summaries, reading few documents",
          "[runtime][summaries][recovery]") {
  auto backend = std::make_shared<unshared_store>();
  const timestamp start = from_unix_ms(1'767'225'600'000);
  runtime_config config = held_nothing();
  config.executors = 1;
  std::vector<job> jobs;
  timestamp stopped_at;
  {
    testing::simulated_runtime first(demo_registry(), config, 21, backend, start);
    jobs.push_back(submit_ok(first, request("fail", R"({"times": 1})")));
    first.run();                                          // its first attempt fails: retrying
    jobs.push_back(submit_ok(first, sleep_for(60'000)));  // takes the executor: running
    auto delayed = request("noop");
    delayed.run_in_ms = 120'000;
    jobs.push_back(submit_ok(first, std::move(delayed)));  // scheduled
    auto child = request("noop");
    child.dependencies.depends_on = {jobs[1].id};
    jobs.push_back(submit_ok(first, std::move(child)));  // blocked
    for (int i = 0; i < 20; ++i)
      jobs.push_back(submit_ok(first, request("noop")));  // pending
    first.run();
    REQUIRE(fetch(first, jobs[0].id).status == job_status::retrying);
    REQUIRE(fetch(first, jobs[1].id).status == job_status::running);
    REQUIRE(fetch(first, jobs[2].id).status == job_status::scheduled);
    REQUIRE(fetch(first, jobs[3].id).status == job_status::blocked);
    REQUIRE(fetch(first, jobs[4].id).status == job_status::pending);
    stopped_at = first.now();
  }
  backend->gets = 0;
  testing::simulated_runtime second(demo_registry(), config, 22, backend, stopped_at);
  second.run();
  // Start-up reads the interrupted job's document (and its supervisor reads
  // it again), not the 23 others: they are read when they move or start.
  CHECK(backend->gets <= 2);
  second.advance(10min);
  for (const auto& j : jobs) {
    const job now = fetch(second, j.id);
    INFO(to_string(j.id) << " " << to_string(now.status));
    CHECK(now.status == job_status::completed);
    CHECK(valid_history(now));
  }
}

TEST_CASE("summaries: while few jobs wait they are kept whole, and dispatch reads nothing",
          "[runtime][summaries]") {
  runtime_config config;
  config.held_documents = 10;
  summary_runtime s(config);
  auto& rt = *s.rt;
  REQUIRE(rt.pause_type("noop").has_value());
  std::vector<job> jobs;
  for (int i = 0; i < 15; ++i)
    jobs.push_back(submit_ok(rt, request("noop")));
  s.backend->gets = 0;
  REQUIRE(rt.resume_type("noop").has_value());
  rt.run();
  // The first 10 were kept whole; the 5 admitted beyond the limit are read.
  CHECK(s.backend->gets == 5);
  for (const auto& j : jobs)
    CHECK(fetch(rt, j.id).status == job_status::completed);
}

TEST_CASE("summaries: a job the store fails to return is read again until it answers",
          "[runtime][summaries]") {
  summary_runtime s;
  auto& rt = *s.rt;
  auto r = request("noop");
  r.run_in_ms = 1'000;
  const job j = submit_ok(rt, std::move(r));
  rt.advance(500ms);
  s.backend->failing_gets = 3;
  const std::size_t gets = s.backend->gets;
  // Due at 1 s: the read fails, and again after 100 ms and 200 ms more.
  rt.advance(500ms);
  CHECK(s.backend->gets == gets + 1);
  rt.advance(100ms);
  CHECK(s.backend->gets == gets + 2);
  rt.advance(200ms);
  CHECK(s.backend->gets == gets + 3);
  REQUIRE(s.backend->failing_gets == 0);
  CHECK(fetch(rt, j.id).status == job_status::scheduled);  // not dropped, not moved
  rt.advance(350ms);                                       // 1.65 s: the next read is due at 1.7 s
  CHECK(fetch(rt, j.id).status == job_status::scheduled);
  rt.advance(1s);
  const job done = fetch(rt, j.id);
  CHECK(done.status == job_status::completed);
  CHECK(path_of(done) == std::vector<job_status>{job_status::scheduled, job_status::pending,
                                                 job_status::running, job_status::completed});
  CHECK(*done.started_at == j.created_at + 1'700ms);
}

TEST_CASE("summaries: a supervisor the store fails to answer reads again and keeps its slot",
          "[runtime][summaries]") {
  summary_runtime s(held_nothing_one_executor());
  auto& rt = *s.rt;
  const job busy = submit_ok(rt, sleep_for(1'000));
  const job first = submit_ok(rt, request("noop"));
  const job second = submit_ok(rt, request("noop"));
  rt.advance(500ms);
  // At 1 s the slot passes to `first`, whose supervisor reads it: twice in
  // vain, then after 100 + 200 ms it runs, and `second` after it.
  s.backend->failing_gets = 2;
  rt.advance(2s);
  REQUIRE(s.backend->failing_gets == 0);
  const job done_busy = fetch(rt, busy.id);
  const job done_first = fetch(rt, first.id);
  const job done_second = fetch(rt, second.id);
  for (const auto* j : {&done_busy, &done_first, &done_second}) {
    CHECK(j->status == job_status::completed);
    CHECK(j->attempts == 1);
    CHECK(valid_history(*j));
  }
  CHECK(*done_first.started_at == *done_busy.finished_at + 300ms);
  CHECK(*done_second.started_at >= *done_first.finished_at);
}

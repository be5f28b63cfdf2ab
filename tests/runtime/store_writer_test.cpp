// The store writer's group commit (actors/store_writer.hpp), on CAF's
// deterministic scheduler with simulated time: what commits together, and
// when a write nobody waits for is committed.
#include "actors/store_writer.hpp"
#include "model/random_source.hpp"
#include "store/forwarding_store.hpp"
#include "store/memory/memory_store.hpp"

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// Keeps the size of every committed batch.
class counting_store final : public forwarding_store {
 public:
  explicit counting_store(std::shared_ptr<std::vector<std::size_t>> commits)
      : forwarding_store(make_memory_store()), commits_(std::move(commits)) {}
  expected<void> apply(const std::vector<store_write>& batch) override {
    commits_->push_back(batch.size());
    return inner().apply(batch);
  }

 private:
  std::shared_ptr<std::vector<std::size_t>> commits_;
};

std::vector<store_write> put_of(std::uint64_t seed) {
  auto rng = make_seeded_random(seed);
  job j;
  j.id = job_id::generate(*rng);
  j.type = "noop";
  j.tenant = "acme";
  return {put_job{std::make_shared<const job>(std::move(j))}};
}

// The work comes as spawn arguments, not as a lambda's captures: CAF 0.17
// binds a null pointer when it spawns a function without arguments (UBSan).
void submitter(caf::event_based_actor* self, const caf::actor& writer,
               std::vector<store_write> writes, std::shared_ptr<std::optional<bool>> slot) {
  self->request(writer, caf::infinite, persist_atom::value, std::move(writes))
      .then([slot](void_reply& r) { *slot = r.has_value(); });
}

struct writer_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<std::vector<std::size_t>> commits = std::make_shared<std::vector<std::size_t>>();
  caf::actor writer;

  static caf::actor_system_config& configured(caf::actor_system_config& c) {
    c.set("scheduler.policy", caf::atom("testing"));
    c.set("logger.file-verbosity", caf::atom("quiet"));
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  explicit writer_fixture(std::chrono::microseconds idle_delay)
      : sys(configured(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    store_writer_limits limits;
    limits.idle_commit_delay = idle_delay;
    writer = sys.spawn(store_writer, std::make_shared<counting_store>(commits), limits);
    sched.run();
  }

  ~writer_fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A write sent the way a job's supervisor sends its changes.
  void fire_and_forget(std::uint64_t seed) {
    caf::anon_send(writer, persist_atom::value, put_of(seed));
    sched.run();
  }

  /// A write sent the way the scheduler sends a submission: its answer
  /// (once committed) lands in the returned slot.
  std::shared_ptr<std::optional<bool>> awaited(std::uint64_t seed) {
    auto slot = std::make_shared<std::optional<bool>>();
    sys.spawn(submitter, writer, put_of(seed), slot);
    sched.run();
    return slot;
  }

  void advance(std::chrono::microseconds d) {
    auto& clock = sched.clock();
    const auto target = clock.current_time + d;
    while (clock.has_pending_timeout() && clock.schedule().begin()->first <= target) {
      clock.trigger_timeout();
      sched.run();
    }
    clock.current_time = target;
  }
};

}  // namespace

TEST_CASE("store writer: writes nobody waits for wait for the next awaited one", "[store_writer]") {
  writer_fixture f(1000us);
  f.fire_and_forget(1);  // a job that ended
  f.fire_and_forget(2);
  CHECK(f.commits->empty());
  auto answer = f.awaited(3);  // a submission: commits at once, with both
  REQUIRE(answer->has_value());
  CHECK(**answer);
  CHECK(*f.commits == std::vector<std::size_t>{3});
  // The delay's end finds nothing left to commit.
  f.advance(1000us);
  CHECK(*f.commits == std::vector<std::size_t>{3});
}

TEST_CASE("store writer: a write nobody waits for is committed when the delay ends",
          "[store_writer]") {
  writer_fixture f(1000us);
  f.fire_and_forget(1);
  f.advance(999us);
  CHECK(f.commits->empty());
  f.fire_and_forget(2);  // joins the same delay, does not extend it
  f.advance(1us);
  CHECK(*f.commits == std::vector<std::size_t>{2});
  f.fire_and_forget(3);  // a new delay starts
  CHECK(f.commits->size() == 1);
  f.advance(1000us);
  CHECK(*f.commits == (std::vector<std::size_t>{2, 1}));
}

TEST_CASE("store writer: without a delay every write commits as soon as the mailbox is empty",
          "[store_writer]") {
  writer_fixture f(0us);
  f.fire_and_forget(1);
  CHECK(*f.commits == std::vector<std::size_t>{1});
  auto answer = f.awaited(2);
  REQUIRE(answer->has_value());
  CHECK(*f.commits == (std::vector<std::size_t>{1, 1}));
}

TEST_CASE("store writer: a write waiting for company is committed before the writer stops",
          "[store_writer]") {
  auto commits = std::make_shared<std::vector<std::size_t>>();
  {
    writer_fixture f(1000us);
    commits = f.commits;
    f.fire_and_forget(1);
    CHECK(f.commits->empty());
  }  // the writer is told to exit
  CHECK(*commits == std::vector<std::size_t>{1});
}

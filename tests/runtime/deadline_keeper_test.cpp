// The deadline keeper (actors/deadline_keeper.hpp) on CAF's deterministic
// scheduler with simulated time: deadlines and warnings arrive when due, a
// new attempt replaces the last one's, and a disarmed job is let go of at
// once: no handle to a finished supervisor is kept until its timeout (the
// memory bench/soak.py saw held for an hour).
#include "actors/deadline_keeper.hpp"
#include "actors/protocol.hpp"
#include "model/random_source.hpp"

#include "../support/deterministic_caf.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// What a supervisor heard, as "warning 1" / "deadline 1".
using heard_list = std::vector<std::string>;

caf::behavior listener(caf::event_based_actor* self, std::shared_ptr<heard_list> heard) {
  return {
      [heard](timeout_warning_atom, int attempt) {
        heard->push_back("warning " + std::to_string(attempt));
      },
      [heard](deadline_atom, int attempt) {
        heard->push_back("deadline " + std::to_string(attempt));
      },
      [self](caf::exit_reason) { self->quit(); },
  };
}

struct keeper_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::actor keeper;
  env_ptr env;

  keeper_fixture()
      : sys(testing_support::deterministic(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    env = std::make_shared<runtime_env>(
        runtime_env{{},
                    {},
                    {},
                    runtime_clock{sched.clock().now(), from_unix_ms(1'767'225'600'000)},
                    {},
                    {},
                    {},
                    {}});
    keeper = sys.spawn(deadline_keeper, env);
    sched.run();
  }
  ~keeper_fixture() {
    caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
    sched.run();
  }

  job_id id(std::uint64_t seed) {
    auto rng = make_seeded_random(seed);
    return job_id::generate(*rng);
  }

  void arm(const job_id& job, const caf::actor& sup, int attempt, milliseconds warn,
           milliseconds due) {
    caf::anon_send(keeper, arm_deadlines_atom::value, job, sup, attempt, to_unix_ms(now() + warn),
                   to_unix_ms(now() + due));
    sched.run();
  }

  timestamp now() { return env->clock.at(sched.clock().now()); }

  void advance(milliseconds d) { testing_support::advance(sched, d); }
};

}  // namespace

TEST_CASE("deadline keeper: the warning, then the deadline, each when due", "[deadlines]") {
  keeper_fixture f;
  auto heard = std::make_shared<heard_list>();
  auto sup = f.sys.spawn(listener, heard);
  f.arm(f.id(1), sup, 1, 800ms, 1000ms);
  f.advance(799ms);
  CHECK(heard->empty());
  f.advance(1ms);
  CHECK(*heard == heard_list{"warning 1"});
  f.advance(199ms);
  CHECK(heard->size() == 1);
  f.advance(1ms);
  CHECK(*heard == (heard_list{"warning 1", "deadline 1"}));
  f.advance(1h);
  CHECK(heard->size() == 2);
}

TEST_CASE("deadline keeper: a new attempt's deadlines replace the last one's", "[deadlines]") {
  keeper_fixture f;
  auto heard = std::make_shared<heard_list>();
  auto sup = f.sys.spawn(listener, heard);
  f.arm(f.id(1), sup, 1, 1000ms, 1000ms);  // no warning
  f.advance(500ms);
  f.arm(f.id(1), sup, 2, 2000ms, 2000ms);
  f.advance(1500ms);
  CHECK(heard->empty());  // attempt 1's deadline is gone
  f.advance(500ms);
  CHECK(*heard == heard_list{"deadline 2"});
}

TEST_CASE("deadline keeper: jobs due in any order, an earlier one armed later", "[deadlines]") {
  keeper_fixture f;
  auto heard_a = std::make_shared<heard_list>();
  auto heard_b = std::make_shared<heard_list>();
  auto a = f.sys.spawn(listener, heard_a);
  auto b = f.sys.spawn(listener, heard_b);
  f.arm(f.id(1), a, 1, 1h, 1h);
  f.arm(f.id(2), b, 3, 10ms, 10ms);
  f.advance(10ms);
  CHECK(*heard_b == heard_list{"deadline 3"});
  CHECK(heard_a->empty());
  f.advance(1h);
  CHECK(*heard_a == heard_list{"deadline 1"});
}

TEST_CASE("deadline keeper: a disarmed job's supervisor is let go of at once", "[deadlines]") {
  keeper_fixture f;
  auto heard = std::make_shared<heard_list>();
  caf::actor_addr addr;
  {
    auto sup = f.sys.spawn(listener, heard);
    addr = sup->address();
    f.arm(f.id(1), sup, 1, 1h, 1h);
    caf::anon_send(sup, caf::exit_reason::normal);  // the job ended
    f.sched.run();
  }
  // The keeper's handle is the last: the supervisor's memory stays.
  CHECK(caf::actor_cast<caf::strong_actor_ptr>(addr) != nullptr);
  caf::anon_send(f.keeper, disarm_deadlines_atom::value, f.id(1));
  f.sched.run();
  CHECK(caf::actor_cast<caf::strong_actor_ptr>(addr) == nullptr);
  f.advance(2h);
  CHECK(heard->empty());
}

// The ready queue on its own (the runtime tests drive it through the
// scheduler): dispatch order across types, erasure, limits, pause, and the
// intrusive nodes surviving the growth of the type table.
#include "model/ready_queue.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace jobforge;

namespace {

const timestamp t0 = from_unix_ms(1'767'225'600'000);
const aging_policy no_aging{milliseconds{0}};

job_id id_of(std::uint64_t n) {
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i)
    bytes[15 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  bytes[6] = 0x40;  // version 4, so that it reads as a real id
  return job_id::from_bytes(bytes);
}

struct queue_fixture {
  ready_queue q;
  std::uint64_t sequence = 0;

  void push(std::uint64_t n, const std::string& type, priority p = priority::normal) {
    ++sequence;
    q.push(id_of(n), type, p, make_dispatch_key(p, t0, sequence, no_aging), t0);
  }
  std::vector<job_id> pop_all() {
    std::vector<job_id> out;
    while (auto picked = q.pop(t0))
      out.push_back(picked->id);
    return out;
  }
};

}  // namespace

TEST_CASE("ready_queue: dispatch by priority then age, across types", "[model][ready_queue]") {
  queue_fixture f;
  f.q.add_type("a", 0, {}, t0);
  f.q.add_type("b", 0, {}, t0);
  f.push(1, "a", priority::low);
  f.push(2, "b", priority::normal);
  f.push(3, "a", priority::critical);
  f.push(4, "b", priority::critical);
  f.push(5, "a", priority::normal);
  CHECK(f.q.size() == 5);
  CHECK(f.q.size_by_priority(priority::critical) == 2);
  CHECK(f.q.size_of("a") == 3);
  CHECK(f.pop_all() == std::vector<job_id>{id_of(3), id_of(4), id_of(2), id_of(5), id_of(1)});
  CHECK(f.q.size() == 0);
  CHECK(f.q.size_by_priority(priority::critical) == 0);
  CHECK(f.q.running_of("a") == 3);
}

TEST_CASE("ready_queue: erase and a repeated push", "[model][ready_queue]") {
  queue_fixture f;
  f.q.add_type("a", 0, {}, t0);
  for (std::uint64_t n = 1; n <= 5; ++n)
    f.push(n, "a");
  f.push(3, "a", priority::critical);  // already queued: ignored
  CHECK(f.q.size() == 5);
  CHECK(f.q.erase(id_of(2), t0));
  CHECK_FALSE(f.q.erase(id_of(2), t0));
  CHECK(f.q.erase(id_of(1), t0));  // the head
  CHECK_FALSE(f.q.contains(id_of(1)));
  CHECK(f.q.contains(id_of(3)));
  CHECK(f.pop_all() == std::vector<job_id>{id_of(3), id_of(4), id_of(5)});
}

TEST_CASE("ready_queue: a job given a new priority keeps its place in time",
          "[model][ready_queue]") {
  queue_fixture f;
  f.q.add_type("a", 0, {}, t0);
  f.q.add_type("b", 0, {}, t0);
  f.push(1, "a", priority::high);
  f.push(2, "b", priority::low);
  f.push(3, "a", priority::low);
  f.push(4, "b", priority::high);
  // Both low jobs become high: each ranks by when it was queued, so job 3
  // goes before job 4, which was high from the start but queued later.
  CHECK(f.q.reprioritize(id_of(2), priority::high, no_aging, t0));
  CHECK(f.q.reprioritize(id_of(3), priority::high, no_aging, t0));
  CHECK_FALSE(f.q.reprioritize(id_of(9), priority::high, no_aging, t0));
  CHECK(f.q.size_by_priority(priority::high) == 4);
  CHECK(f.q.size_by_priority(priority::low) == 0);
  CHECK(f.pop_all() == std::vector<job_id>{id_of(1), id_of(2), id_of(3), id_of(4)});
}

TEST_CASE("ready_queue: a concurrency limit and pause hold a type back", "[model][ready_queue]") {
  queue_fixture f;
  f.q.add_type("limited", 1, {}, t0);
  f.q.add_type("free", 0, {}, t0);
  f.push(1, "limited", priority::critical);
  f.push(2, "limited", priority::critical);
  f.push(3, "free", priority::low);
  CHECK(f.pop_all() == std::vector<job_id>{id_of(1), id_of(3)});  // 2 waits for a slot
  f.q.finished("limited", t0);
  f.q.pause("limited", t0);
  CHECK_FALSE(f.q.pop(t0));
  CHECK(f.q.paused("limited"));
  f.q.resume("limited", t0);
  CHECK(f.pop_all() == std::vector<job_id>{id_of(2)});
}

TEST_CASE("ready_queue: queued jobs survive types declared after them", "[model][ready_queue]") {
  queue_fixture f;
  f.q.add_type("first", 0, {}, t0);
  for (std::uint64_t n = 1; n <= 100; ++n)
    f.push(n, "first");
  // Declaring many more types grows the table that holds each type's queue.
  for (int i = 0; i < 200; ++i)
    f.q.add_type("type-" + std::to_string(i), 0, {}, t0);
  f.push(101, "type-199", priority::critical);
  CHECK(f.q.erase(id_of(50), t0));
  const auto popped = f.pop_all();
  REQUIRE(popped.size() == 100);
  CHECK(popped.front() == id_of(101));
  for (std::uint64_t n = 1, at = 1; n <= 100; ++n) {
    if (n == 50) continue;
    CHECK(popped[at++] == id_of(n));
  }
}

// Batch submission: all or nothing, local names for dependencies inside
// the batch, deduplication, existing parents.
#include "runtime_fixture.hpp"

using namespace jobforge;
using namespace jobforge::test;
using namespace std::chrono_literals;

namespace {

batch_entry entry(std::string name, job_request r, std::vector<std::string> after = {}) {
  return batch_entry{std::move(name), std::move(r), std::move(after)};
}

std::size_t stored_jobs(testing::simulated_runtime& rt) {
  job_query q;
  q.limit = 1000;
  auto page = rt.list(q);
  REQUIRE(page.has_value());
  return page->items.size();
}

}  // namespace

TEST_CASE("a batch holds a dependency chain by local names and runs it in order",
          "[runtime][batch]") {
  testing::simulated_runtime rt(demo_registry());
  auto answer =
      rt.submit_batch({entry("fetch", request("sleep", R"({"ms": 1000})")),
                       entry("render", request("sleep", R"({"ms": 500})"), {"fetch"}),
                       entry("mail", request("noop"), {"render"}), entry("", request("noop"))});
  REQUIRE(answer.has_value());
  REQUIRE(answer->size() == 4);
  const job fetch_job = (*answer)[0].value;
  const job render = (*answer)[1].value;
  const job mail = (*answer)[2].value;
  for (const auto& a : *answer)
    CHECK(a.created);
  CHECK(render.dependencies.depends_on == std::vector<job_id>{fetch_job.id});
  CHECK(mail.dependencies.depends_on == std::vector<job_id>{render.id});
  CHECK(render.status == job_status::blocked);

  CHECK(fetch(rt, fetch_job.id).status == job_status::running);
  CHECK(fetch(rt, render.id).status == job_status::blocked);
  rt.advance(1s);
  CHECK(fetch(rt, render.id).status == job_status::running);
  CHECK(fetch(rt, mail.id).status == job_status::blocked);
  rt.advance(500ms);
  CHECK(fetch(rt, mail.id).status == job_status::completed);
  CHECK(fetch(rt, mail.id).started_at == fetch(rt, render.id).finished_at);
}

TEST_CASE("one bad entry rejects the whole batch with its index", "[runtime][batch]") {
  testing::simulated_runtime rt(demo_registry());
  auto keyed = request("noop");
  keyed.unique_key = "once";
  keyed.unique_for_ms = 60'000;
  struct bad_case {
    const char* what;
    std::vector<batch_entry> entries;
    std::size_t index;
    error_code code;
  };
  std::vector<bad_case> cases;
  cases.push_back({"unknown type",
                   {entry("a", keyed), entry("b", request("noop")), entry("c", request("nope"))},
                   2,
                   error_code::unknown_job_type});
  cases.push_back({"schema violation",
                   {entry("a", keyed), entry("b", request("sleep", R"({"ms": "long"})"))},
                   1,
                   error_code::schema_violation});
  cases.push_back({"a name used twice",
                   {entry("a", keyed), entry("a", request("noop"))},
                   1,
                   error_code::invalid_argument});
  cases.push_back({"a later entry named as parent",
                   {entry("a", keyed, {"b"}), entry("b", request("noop"))},
                   0,
                   error_code::invalid_argument});
  auto unknown_parent = request("noop");
  unknown_parent.dependencies.depends_on = {job_id::generate(*make_seeded_random(404))};
  cases.push_back({"an unknown existing parent",
                   {entry("a", keyed), entry("b", unknown_parent)},
                   1,
                   error_code::invalid_argument});
  for (auto& c : cases) {
    INFO(c.what);
    auto answer = rt.submit_batch(c.entries);
    REQUIRE_FALSE(answer.has_value());
    CHECK(answer.error_value().code == c.code);
    CHECK(answer.error_value().details.at("index") == c.index);
    CHECK_THAT(answer.error_value().message,
               Catch::StartsWith("jobs[" + std::to_string(c.index) + "]"));
    CHECK(stored_jobs(rt) == 0);
  }
  // The unique key of a rejected batch was never taken.
  auto later = rt.submit(keyed);
  REQUIRE(later.has_value());
  CHECK(later->created);
}

TEST_CASE("duplicates in a batch resolve to the existing job or to an earlier entry",
          "[runtime][batch]") {
  testing::simulated_runtime rt(demo_registry());
  auto keyed = [](const char* key) {
    auto r = request("noop");
    r.unique_key = key;
    r.unique_for_ms = 60'000;
    return r;
  };
  const job before = submit_ok(rt, keyed("old"));
  auto answer = rt.submit_batch({entry("", keyed("old")), entry("first", keyed("new")),
                                 entry("", keyed("new")), entry("", request("noop"), {"first"})});
  REQUIRE(answer.has_value());
  CHECK_FALSE((*answer)[0].created);
  CHECK((*answer)[0].value.id == before.id);
  CHECK((*answer)[1].created);
  CHECK_FALSE((*answer)[2].created);
  CHECK((*answer)[2].value.id == (*answer)[1].value.id);
  CHECK(stored_jobs(rt) == 3);
  CHECK(fetch(rt, (*answer)[3].value.id).status == job_status::completed);
}

TEST_CASE("existing parents that already ended decide a batch entry at once", "[runtime][batch]") {
  testing::simulated_runtime rt(demo_registry());
  const job good = submit_ok(rt, request("noop"));
  const job bad = submit_ok(rt, request("fail", R"({"times": 9, "kind": "permanent"})"));
  const job slow = submit_ok(rt, request("sleep", R"({"ms": 1000})"));
  auto after = [](job_id parent) {
    auto r = request("noop");
    r.dependencies.depends_on = {parent};
    return r;
  };
  auto answer = rt.submit_batch(
      {entry("", after(good.id)), entry("", after(bad.id)), entry("", after(slow.id))});
  REQUIRE(answer.has_value());
  CHECK(fetch(rt, (*answer)[0].value.id).status == job_status::completed);
  CHECK(fetch(rt, (*answer)[1].value.id).status == job_status::canceled);
  CHECK(fetch(rt, (*answer)[2].value.id).status == job_status::blocked);
  rt.advance(1s);
  CHECK(fetch(rt, (*answer)[2].value.id).status == job_status::completed);
}

TEST_CASE("a draining runtime refuses batches, and an empty batch is refused", "[runtime][batch]") {
  testing::simulated_runtime rt(demo_registry());
  auto empty = rt.submit_batch({});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error_value().code == error_code::invalid_argument);
  REQUIRE(rt.drain(1s).ready());
  auto refused = rt.submit_batch({entry("", request("noop"))});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error_value().code == error_code::unavailable);
}

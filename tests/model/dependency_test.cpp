#include "model/dependency.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

using namespace jobforge;

namespace {

using V = dependency_verdict;

const char* name(V v) {
  switch (v) {
    case V::wait:
      return "wait";
    case V::run:
      return "run";
    case V::cancel:
      return "cancel";
  }
  return "?";
}

/// The rules of dependency.hpp / SPEC 5, written out independently.
V reference_verdict(dependency_mode mode, dependency_failure_policy on_failure, std::size_t total,
                    std::size_t completed, std::size_t failed) {
  // A job with no parents runs.
  if (total == 0) return V::run;
  const std::size_t finished = completed + failed;
  const bool cancel = on_failure == dependency_failure_policy::cancel;
  if (mode == dependency_mode::all) {
    // Run once every parent completed.
    if (completed == total) return V::run;
    // A failed parent: cancel at once, or run once every parent finished.
    if (failed > 0) {
      if (cancel) return V::cancel;
      return finished == total ? V::run : V::wait;
    }
    return V::wait;
  }
  // any: one completed parent is enough.
  if (completed >= 1) return V::run;
  // Every parent failed: cancel or run anyway.
  if (failed == total) return cancel ? V::cancel : V::run;
  return V::wait;
}

}  // namespace

TEST_CASE("evaluate_dependencies matches the rules for every mode, policy and tally",
          "[dependency]") {
  int checked = 0;
  for (auto mode : {dependency_mode::all, dependency_mode::any}) {
    for (auto policy : {dependency_failure_policy::cancel, dependency_failure_policy::run}) {
      for (std::uint32_t total = 0; total <= 4; ++total) {
        dependency_spec spec;
        spec.mode = mode;
        spec.on_failure = policy;
        spec.depends_on.resize(total);  // the verdict depends on the tally only
        for (std::uint32_t completed = 0; completed <= total; ++completed) {
          for (std::uint32_t failed = 0; completed + failed <= total; ++failed) {
            const parent_tally tally{total, completed, failed};
            REQUIRE(tally.unfinished() == total - completed - failed);
            const auto expected = reference_verdict(mode, policy, total, completed, failed);
            const auto got = evaluate_dependencies(spec, tally);
            INFO(to_string(mode) << "/" << to_string(policy) << " total " << total << " completed "
                                 << completed << " failed " << failed << ": expected "
                                 << name(expected) << ", got " << name(got));
            CHECK(got == expected);
            ++checked;
          }
        }
      }
    }
  }
  // 4 combinations x sum over total 0..4 of (total+1)(total+2)/2 tallies.
  CHECK(checked == 4 * (1 + 3 + 6 + 10 + 15));
}

TEST_CASE("evaluate_dependencies: the cases the rules name", "[dependency]") {
  auto verdict = [](dependency_mode m, dependency_failure_policy p, std::uint32_t total,
                    std::uint32_t completed, std::uint32_t failed) {
    dependency_spec spec;
    spec.mode = m;
    spec.on_failure = p;
    return evaluate_dependencies(spec, parent_tally{total, completed, failed});
  };
  using M = dependency_mode;
  using P = dependency_failure_policy;
  // No parents: run, whatever the settings.
  for (auto m : {M::all, M::any})
    for (auto p : {P::cancel, P::run})
      CHECK(verdict(m, p, 0, 0, 0) == V::run);
  // all: waits for the last parent, then runs.
  CHECK(verdict(M::all, P::cancel, 3, 2, 0) == V::wait);
  CHECK(verdict(M::all, P::cancel, 3, 3, 0) == V::run);
  // all + cancel: the first failure cancels at once, even with others pending.
  CHECK(verdict(M::all, P::cancel, 3, 0, 1) == V::cancel);
  CHECK(verdict(M::all, P::cancel, 3, 2, 1) == V::cancel);
  // all + run: a failure waits for the rest, then runs.
  CHECK(verdict(M::all, P::run, 3, 0, 1) == V::wait);
  CHECK(verdict(M::all, P::run, 3, 1, 1) == V::wait);
  CHECK(verdict(M::all, P::run, 3, 2, 1) == V::run);
  CHECK(verdict(M::all, P::run, 3, 0, 3) == V::run);
  // any: the first completion runs, even after failures.
  CHECK(verdict(M::any, P::cancel, 3, 0, 0) == V::wait);
  CHECK(verdict(M::any, P::cancel, 3, 1, 0) == V::run);
  CHECK(verdict(M::any, P::cancel, 3, 1, 2) == V::run);
  CHECK(verdict(M::any, P::cancel, 3, 0, 2) == V::wait);
  CHECK(verdict(M::any, P::cancel, 3, 0, 3) == V::cancel);
  CHECK(verdict(M::any, P::run, 3, 0, 2) == V::wait);
  CHECK(verdict(M::any, P::run, 3, 0, 3) == V::run);
}

TEST_CASE("dependency_spec defaults to all/cancel", "[dependency]") {
  const dependency_spec spec;
  CHECK(spec.mode == dependency_mode::all);
  CHECK(spec.on_failure == dependency_failure_policy::cancel);
  CHECK(spec.empty());
  dependency_spec with_parent;
  with_parent.depends_on.push_back(job_id{});
  CHECK_FALSE(with_parent.empty());
  const parent_tally tally{5, 2, 1};
  CHECK(tally.unfinished() == 2);
}

TEST_CASE("dependency enum names round-trip and unknown names are refused", "[dependency]") {
  CHECK(to_string(dependency_mode::all) == "all");
  CHECK(to_string(dependency_mode::any) == "any");
  CHECK(to_string(dependency_failure_policy::cancel) == "cancel");
  CHECK(to_string(dependency_failure_policy::run) == "run");
  for (auto m : {dependency_mode::all, dependency_mode::any})
    CHECK(parse_dependency_mode(to_string(m)) == m);
  for (auto p : {dependency_failure_policy::cancel, dependency_failure_policy::run})
    CHECK(parse_dependency_failure_policy(to_string(p)) == p);
  for (const char* bad : {"", "ALL", "Any", "none", "all ", "every", "run", "cancel"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_dependency_mode(bad));
  }
  for (const char* bad : {"", "Cancel", "RUN", "fail", "ignore", "all", "any", "run "}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_dependency_failure_policy(bad));
  }
}

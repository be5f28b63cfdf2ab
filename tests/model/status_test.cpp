#include "model/status.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <utility>

using namespace jobforge;

namespace {
using S = job_status;
// SPEC §3, written out independently of the implementation's table.
const std::set<std::pair<S, S>> allowed = {
    {S::scheduled, S::pending}, {S::scheduled, S::canceled}, {S::blocked, S::pending},
    {S::blocked, S::canceled},  {S::pending, S::running},    {S::pending, S::canceled},
    {S::running, S::completed}, {S::running, S::retrying},   {S::running, S::failed},
    {S::running, S::canceled},  {S::running, S::pending},    {S::retrying, S::pending},
    {S::retrying, S::canceled}, {S::failed, S::pending},
};
}  // namespace

TEST_CASE("every pair of states is allowed or rejected exactly as SPEC 3 says", "[status]") {
  int checked = 0;
  for (auto from : all_job_statuses) {
    for (auto to : all_job_statuses) {
      const bool expected_allowed = allowed.count({from, to}) > 0;
      INFO(to_string(from) << " -> " << to_string(to));
      CHECK(may_transition(from, to) == expected_allowed);
      auto result = check_transition(from, to);
      CHECK(result.has_value() == expected_allowed);
      if (!expected_allowed) {
        const auto& e = result.error_value();
        CHECK(e.code == error_code::invalid_transition);
        CHECK(e.message.find("'" + std::string(to_string(from)) + "'") != std::string::npos);
        CHECK(e.message.find("'" + std::string(to_string(to)) + "'") != std::string::npos);
        CHECK(e.details.at("from").as_string() == to_string(from));
        CHECK(e.details.at("to").as_string() == to_string(to));
      }
      ++checked;
    }
  }
  CHECK(checked == 64);
}

TEST_CASE("terminal states have no way out but a replay of failed", "[status]") {
  for (auto to : all_job_statuses) {
    CHECK_FALSE(may_transition(S::completed, to));
    CHECK_FALSE(may_transition(S::canceled, to));
    CHECK(may_transition(S::failed, to) == (to == S::pending));
  }
  CHECK(is_terminal(S::completed));
  CHECK(is_terminal(S::failed));
  CHECK(is_terminal(S::canceled));
  for (auto s : {S::scheduled, S::blocked, S::pending, S::running, S::retrying})
    CHECK_FALSE(is_terminal(s));
}

TEST_CASE("status names round-trip and unknown names are refused", "[status]") {
  for (auto s : all_job_statuses)
    CHECK(parse_job_status(to_string(s)) == s);
  CHECK_FALSE(parse_job_status("Pending"));
  CHECK_FALSE(parse_job_status(""));
  CHECK_FALSE(parse_job_status("done"));
}

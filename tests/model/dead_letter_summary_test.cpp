#include "model/dead_letter_summary.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = from_unix_ms(1'767'225'600'000);

job failed(std::string type, std::optional<job_error> e, timestamp at) {
  job j;
  j.type = std::move(type);
  j.status = job_status::failed;
  j.last_error = std::move(e);
  j.finished_at = at;
  j.updated_at = at;
  return j;
}

}  // namespace

TEST_CASE("the dead-letter summary groups failed jobs by type and error code", "[dead-letter]") {
  dead_letter_summary s;
  const job_error refused{"smtp_refused", "550 no such user", error_kind::permanent};
  const job_error refused_later{"smtp_refused", "550 mailbox full", error_kind::permanent};
  const job_error timeout{"timeout", "ran past 30 s", error_kind::timeout};
  // In any order: first and last seen are the earliest and latest failures.
  s.add(failed("email.send", refused, t0 + 5s));
  s.add(failed("email.send", refused_later, t0 + 9s));
  s.add(failed("email.send", refused, t0 + 1s));
  s.add(failed("report", timeout, t0 + 3s));
  s.add(failed("report", std::nullopt, t0 + 4s));
  job done = failed("email.send", refused, t0);
  done.status = job_status::completed;  // not a dead letter: ignored
  s.add(done);

  CHECK(s.total() == 5);
  const auto groups = s.groups();
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].type == "email.send");
  CHECK(groups[0].code == "smtp_refused");
  CHECK(groups[0].count == 3);
  CHECK(groups[0].first_seen == t0 + 1s);
  CHECK(groups[0].last_seen == t0 + 9s);
  CHECK(groups[0].message == "550 mailbox full");  // the latest
  CHECK(groups[0].kind == "permanent");
  // Equal counts: the latest failure first.
  CHECK(groups[1].type == "report");
  CHECK(groups[1].code == "");
  CHECK(groups[1].kind == "");
  CHECK(groups[2].code == "timeout");
}

#include "model/job_log_book.hpp"

#include <catch2/catch.hpp>

using namespace jobforge;

namespace {

job_id id_of(int n) {
  return *job_id::parse("00000000-0000-4000-8000-" +
                        std::string(12 - std::to_string(n).size(), '0') + std::to_string(n));
}

job_log_line line(std::string text, int attempt = 1) {
  return job_log_line{from_unix_ms(1'767'225'600'000), attempt, log_level::info, std::move(text),
                      0};
}

}  // namespace

TEST_CASE("the log book keeps a job's newest lines, oldest first", "[logs]") {
  job_log_book book(job_log_book::limits{3, 10, 1 << 20});
  for (int i = 1; i <= 5; ++i)
    book.add(id_of(1), line("line " + std::to_string(i)));
  const auto kept = book.get(id_of(1));
  REQUIRE(kept.lines.size() == 3);
  CHECK(kept.lines.front().text == "line 3");
  CHECK(kept.lines.back().text == "line 5");
  CHECK(kept.dropped == 2);
  CHECK(book.get(id_of(2)).lines.empty());
}

TEST_CASE("the log book lets go of the job written longest ago first", "[logs]") {
  job_log_book book(job_log_book::limits{100, 2, 1 << 20});
  book.add(id_of(1), line("a"));
  book.add(id_of(2), line("b"));
  book.add(id_of(1), line("a again"));  // job 1 is now the newest
  book.add(id_of(3), line("c"));
  CHECK(book.jobs() == 2);
  CHECK(book.get(id_of(2)).lines.empty());
  CHECK(book.get(id_of(1)).lines.size() == 2);
  CHECK(book.get(id_of(3)).lines.size() == 1);
}

TEST_CASE("the log book stays within its bytes", "[logs]") {
  const std::size_t limit = 4 * (sizeof(job_log_line) + 100);
  job_log_book book(job_log_book::limits{100, 100, limit});
  for (int i = 1; i <= 6; ++i)
    book.add(id_of(i), line(std::string(100, 'x')));
  CHECK(book.bytes() <= limit);
  CHECK(book.jobs() == 4);
  CHECK(book.get(id_of(1)).lines.empty());
  CHECK(book.get(id_of(6)).lines.size() == 1);
  // One job alone over the bytes keeps its newest lines.
  for (int i = 0; i < 10; ++i)
    book.add(id_of(7), line(std::string(100, 'y') + std::to_string(i)));
  CHECK(book.bytes() <= limit);
  const auto seven = book.get(id_of(7));
  REQUIRE_FALSE(seven.lines.empty());
  CHECK(seven.lines.back().text.back() == '9');
  CHECK(seven.dropped > 0);
}

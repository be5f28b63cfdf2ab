#include "app/logging.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sstream>

using namespace jobforge::app;
namespace json = boost::json;

namespace {

// One line through a logger with the JSON formatter, parsed back.
json::object logged(const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(json_line_formatter());
  logger.info(message);
  logger.flush();
  return json::parse(out.str()).as_object();
}

}  // namespace

TEST_CASE("a handler's log line carries job id, type and attempt as JSON fields", "[logging]") {
  const auto line =
      logged("job=0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a type=email.send attempt=3 sent \"hello\"\n");
  CHECK(line.at("job_id") == "0190f5d2-7a4b-4c1e-8f3a-2b6c9d0e1f2a");
  CHECK(line.at("type") == "email.send");
  CHECK(line.at("attempt") == 3);
  CHECK(line.at("msg") == "sent \"hello\"\n");
  CHECK(line.at("level") == "info");

  const auto plain = logged("store: SQLite data/jobforge.db");
  CHECK_FALSE(plain.contains("job_id"));
  CHECK(plain.at("msg") == "store: SQLite data/jobforge.db");
}

TEST_CASE("only a complete job prefix is split off", "[logging]") {
  CHECK(split_job_prefix("job=a type=b attempt=1 m")->message == "m");
  CHECK_FALSE(split_job_prefix("job=a type=b attempt=x m"));
  CHECK_FALSE(split_job_prefix("job=a type=b m"));
  CHECK_FALSE(split_job_prefix("job= type=b attempt=1 m"));
  CHECK_FALSE(split_job_prefix("jobs are running"));
}

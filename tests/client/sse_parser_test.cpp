// Server-Sent Events cut into events, whatever the chunks.
#include "client/sse_parser.hpp"

#include <catch2/catch.hpp>

#include <string>

using jobforge::client::sse_parser;

TEST_CASE("sse: events with ids, names and data, comments skipped, any chunking") {
  const std::string stream =
      ": keep-alive\n\n"
      "id: 7\nevent: status\ndata: {\"job_id\":\"a\",\"to\":\"running\"}\n\n"
      "id: 8\nevent: progress\ndata: {\"percent\":50}\n\n"
      "event: stats\ndata: {}\n\n";
  for (std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{5}}) {
    sse_parser p;
    std::vector<jobforge::client::event> all;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      auto got = p.feed(stream.data() + i, std::min(chunk, stream.size() - i));
      all.insert(all.end(), got.begin(), got.end());
    }
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "status");
    CHECK(all[0].id == 7u);
    CHECK(all[0].data == R"({"job_id":"a","to":"running"})");
    CHECK(all[1].name == "progress");
    CHECK(all[1].id == 8u);
    CHECK(all[2].name == "stats");
    CHECK(all[2].id == 8u);  // the last id holds: where a reconnection resumes
  }
}

TEST_CASE("sse: CRLF line ends and multi-line data") {
  sse_parser p;
  const std::string text = "event: log\r\ndata: one\r\ndata: two\r\n\r\n";
  auto got = p.feed(text.data(), text.size());
  REQUIRE(got.size() == 1);
  CHECK(got[0].data == "one\ntwo");
  CHECK_FALSE(got[0].id);
}

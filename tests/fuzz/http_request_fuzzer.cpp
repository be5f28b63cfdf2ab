// The HTTP request layer's parsers, without a server. The input's first
// line is a request target ("/api/jobs/<id>?limit=5&cursor=..."), the rest
// is its body. Every query parameter goes through each value parser the
// routes use (integers, seconds, RFC 3339 times, job ids, statuses,
// priorities, list cursors), every path segment through the job id parser,
// and the body through the JSON body reader, the submission decoder and
// the batch-submit parser. Properties: what parses is in range and reads
// back the same; a cursor is accepted only as the exact text the store
// hands out; a decoded submission re-encodes and decodes to itself; a batch
// names only earlier entries as local parents.

#include "fuzz_check.hpp"
#include "http/batch_request.hpp"
#include "http/request_parsing.hpp"
#include "model/exact_json_parse.hpp"
#include "model/job_codec.hpp"
#include "store/list_query.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace {

using namespace jobforge;
namespace json = boost::json;

void check_value(const std::string& value) {
  if (auto n = http::parse_integer(value, "limit", 1, 1000)) FUZZ_CHECK(*n >= 1 && *n <= 1000);
  if (auto s = http::parse_seconds(value, "wait", 300))
    FUZZ_CHECK(std::isfinite(*s) && *s >= 0 && *s <= 300);
  if (auto t = parse_rfc3339(value)) {
    FUZZ_CHECK(*t >= min_timestamp && *t <= max_timestamp);
    FUZZ_CHECK(parse_rfc3339(format_rfc3339(*t)) == *t);
  }
  if (auto id = http::parse_job_id(value)) FUZZ_CHECK(job_id::parse(to_string(*id)) == *id);
  if (auto s = parse_job_status(value)) FUZZ_CHECK(to_string(*s) == value);
  if (auto p = parse_priority(value)) FUZZ_CHECK(to_string(*p) == value);
  for (const auto order : {job_order::created_desc, job_order::created_asc}) {
    job_query q;
    q.order = order;
    q.cursor = value;
    auto position = check_list_query(q);
    if (position && *position) FUZZ_CHECK(encode_cursor(order, **position) == value);
  }
}

void check_submission(const json::value& body) {
  auto request = job_request_from_json(body);
  if (!request) return;
  check_settles(json::serialize(to_json(*request)), [](const std::string& text) {
    auto again = job_request_from_json(parse_json_exactly(text));
    FUZZ_CHECK(again);
    return json::serialize(to_json(*again));
  });
}

void check_batch(const json::value& body) {
  auto entries = http::parse_batch(body);
  if (!entries) {
    FUZZ_CHECK(entries.error_value().code == error_code::invalid_argument);
    return;
  }
  std::set<std::string> earlier;
  for (const auto& e : *entries) {
    for (const auto& parent : e.depends_on_names)
      FUZZ_CHECK(earlier.count(parent) == 1);
    if (!e.name.empty()) earlier.insert(e.name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto line_end = input.find('\n');
  httplib::Request req;
  req.target = std::string(input.substr(0, line_end));
  if (line_end != std::string_view::npos) req.body = std::string(input.substr(line_end + 1));

  const auto params = http::query_params(req);
  (void)http::check_query(params, {"status", "type", "priority", "tag", "tenant", "created_from",
                                   "created_until", "order", "limit", "cursor", "wait"});
  for (const auto& [name, value] : params) {
    FUZZ_CHECK(http::query_param(params, name).has_value());
    check_value(value);
  }
  const std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
  for (std::size_t start = 0; start < path.size();) {
    const auto slash = path.find('/', start);
    const auto segment = path.substr(start, slash - start);
    if (auto id = http::parse_job_id(segment)) FUZZ_CHECK(to_string(*id).size() == 36);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }

  if (auto body = http::parse_json_body(req, false)) {
    check_submission(*body);
    check_batch(*body);
  }
  return 0;
}

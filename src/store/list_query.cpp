#include "store/list_query.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

namespace jobforge {
namespace {

error invalid_argument(std::string message, boost::json::value details) {
  return error{error_code::invalid_argument, std::move(message), std::move(details)};
}

// A cursor is "c1.<order>.<created_at unix ms>.<id>": the keyset position of
// the last item of a page. The version prefix leaves room to change it.
struct decoded_cursor {
  job_order order = job_order::created_desc;
  list_position last;
};

std::optional<decoded_cursor> decode_cursor(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = text.find('.', start);
    parts.push_back(text.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    if (parts.size() == 4) return std::nullopt;
    start = dot + 1;
  }
  if (parts.size() != 4 || parts[0] != "c1") return std::nullopt;
  decoded_cursor c;
  if (parts[1] == "desc") {
    c.order = job_order::created_desc;
  } else if (parts[1] == "asc") {
    c.order = job_order::created_asc;
  } else {
    return std::nullopt;
  }
  std::int64_t ms = 0;
  const auto* first = parts[2].data();
  const auto* last = first + parts[2].size();
  const auto [end, ec] = std::from_chars(first, last, ms);
  if (ec != std::errc{} || end != last) return std::nullopt;
  c.last.created_at = from_unix_ms(ms);
  auto id = job_id::parse(parts[3]);
  if (!id) return std::nullopt;
  c.last.id = *id;
  // Only the exact text we hand out is accepted (no leading zeros, "+",
  // upper case), so a tampered cursor cannot alias a real one.
  if (encode_cursor(c.order, c.last) != text) return std::nullopt;
  return c;
}

}  // namespace

std::string_view order_name(job_order order) {
  return order == job_order::created_desc ? "created_desc" : "created_asc";
}

std::string encode_cursor(job_order order, const list_position& last) {
  std::string out = "c1.";
  out += order == job_order::created_desc ? "desc" : "asc";
  out += '.';
  out += std::to_string(to_unix_ms(last.created_at));
  out += '.';
  out += to_string(last.id);
  return out;
}

expected<std::optional<list_position>> check_list_query(const job_query& query) {
  if (query.limit < 1 || query.limit > max_page_size)
    return invalid_argument("limit must be between 1 and " + std::to_string(max_page_size),
                            boost::json::object{{"limit", query.limit}});
  if (!query.cursor) return std::optional<list_position>{};
  const auto cursor = decode_cursor(*query.cursor);
  if (!cursor)
    return invalid_argument("malformed cursor", boost::json::object{{"cursor", *query.cursor}});
  if (cursor->order != query.order)
    return invalid_argument("the cursor belongs to a list sorted " +
                                std::string(order_name(cursor->order)) + ", not " +
                                std::string(order_name(query.order)),
                            boost::json::object{{"cursor", *query.cursor}});
  return std::optional<list_position>{cursor->last};
}

bool matches(const job_filter& f, const job& j) {
  if (f.statuses &&
      std::find(f.statuses->begin(), f.statuses->end(), j.status) == f.statuses->end())
    return false;
  if (f.type && j.type != *f.type) return false;
  if (f.priority && j.priority != *f.priority) return false;
  if (f.tag && std::find(j.tags.begin(), j.tags.end(), *f.tag) == j.tags.end()) return false;
  if (f.tenant && j.tenant != *f.tenant) return false;
  if (f.parent) {
    const auto& parents = j.dependencies.depends_on;
    if (std::find(parents.begin(), parents.end(), *f.parent) == parents.end()) return false;
  }
  if (f.created_from && j.created_at < *f.created_from) return false;
  if (f.created_until && !(j.created_at < *f.created_until)) return false;
  return true;
}

}  // namespace jobforge

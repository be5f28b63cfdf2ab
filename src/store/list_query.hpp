#pragma once
/// What every store backend shares about list queries: the page-size limit,
/// the opaque keyset cursor, and the filter as a predicate (the oracle that
/// index walks and SQL must agree with).

#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobforge {

/// The largest page a list query may ask for.
inline constexpr std::size_t max_page_size = 1000;

/// Where a page ended: the (created_at, id) of its last job.
struct list_position {
  timestamp created_at{};
  job_id id;
};

/// The cursor of the page after `last` in `order`. Opaque to callers.
std::string encode_cursor(job_order order, const list_position& last);

/// Checks a query's limit and cursor: the position to continue after (none
/// for a first page), or an `invalid_argument` error naming what is wrong.
expected<std::optional<list_position>> check_list_query(const job_query& query);

/// Whether `j` matches every set field of `filter`.
bool matches(const job_filter& filter, const job& j);

/// "created_desc" or "created_asc".
std::string_view order_name(job_order order);

}  // namespace jobforge

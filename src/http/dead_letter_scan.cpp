#include "http/dead_letter_scan.hpp"

#include "runtime/runtime.hpp"

#include <algorithm>

namespace jobforge::http {

expected<dead_letter_scan> scan_dead_letters(runtime& rt, job_filter filter, std::size_t limit,
                                             const std::function<bool(const job&)>& each) {
  filter.statuses = std::vector<job_status>{job_status::failed};
  job_query q;
  q.filter = std::move(filter);
  q.order = job_order::created_desc;
  dead_letter_scan out;
  for (;;) {
    q.limit = std::clamp<std::size_t>(limit - out.scanned, 1, 1000);
    auto page = rt.list(q);
    if (!page) return std::move(page).error_value();
    for (const auto& j : page->items) {
      ++out.scanned;
      if (!each(j)) {
        out.complete = false;
        return out;
      }
    }
    if (!page->next_cursor) return out;
    if (out.scanned >= limit) {
      out.complete = false;
      return out;
    }
    q.cursor = page->next_cursor;
  }
}

}  // namespace jobforge::http

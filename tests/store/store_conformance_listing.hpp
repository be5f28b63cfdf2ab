#pragma once
/// Conformance behaviours: filtered, ordered and paginated listing.

#include "store_conformance_support.hpp"

namespace jobforge::conformance {

template <class Backend>
void filters_alone() {
  auto s = open_store<Backend>();
  const auto jobs = varied_jobs();
  put_all(*s, jobs);
  check_filters(*s, jobs, single_field_filters());
}

template <class Backend>
void filters_combined() {
  auto s = open_store<Backend>();
  const auto jobs = varied_jobs();
  put_all(*s, jobs);
  check_filters(*s, jobs, combined_filters());
}

template <class Backend>
void orders_break_ties_by_id() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 20; ++i)
    jobs.push_back(make_job(i + 1, t0 + std::chrono::milliseconds(i % 2)));
  put_all(*s, jobs);

  // Spelled out rather than via the oracle: older first, then ids ascending.
  std::vector<job> asc = jobs;
  std::stable_sort(asc.begin(), asc.end(),
                   [](const job& a, const job& b) { return to_string(a.id) < to_string(b.id); });
  std::stable_partition(asc.begin(), asc.end(), [](const job& j) { return j.created_at == t0; });
  std::vector<job> desc(asc.rbegin(), asc.rend());

  job_query q;
  q.order = job_order::created_asc;
  CHECK(ids_of(list_ok(*s, q).items) == ids_of(asc));
  q.order = job_order::created_desc;
  CHECK(ids_of(list_ok(*s, q).items) == ids_of(desc));
  CHECK(ids_of(list_ok(*s, job_query{}).items) == ids_of(desc));  // the default order
}

template <class Backend>
void pagination_over_many_pages() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 1'500; ++i) {
    // Four jobs per millisecond, inserted out of creation order.
    const std::uint64_t slot = (i * 7919) % 1'500;
    jobs.push_back(
        make_job(10'000 + i, t0 + std::chrono::milliseconds(slot / 4), all_job_statuses[i % 8]));
  }
  put_all(*s, jobs);

  job_filter some_statuses;
  some_statuses.statuses = {{job_status::pending, job_status::running, job_status::completed}};
  for (const auto& f : {job_filter{}, some_statuses}) {
    INFO((f.statuses ? "three statuses" : "no filter"));
    check_listing(*s, jobs, f);
  }

  // 1500 jobs at 1000 a page: a full page with a cursor, then 500.
  job_query q;
  q.limit = 1'000;
  const auto first = list_ok(*s, q);
  CHECK(first.items.size() == 1'000);
  REQUIRE(first.next_cursor.has_value());
  q.cursor = first.next_cursor;
  const auto second = list_ok(*s, q);
  CHECK(second.items.size() == 500);
  CHECK_FALSE(second.next_cursor.has_value());
}

template <class Backend>
void last_page_has_no_cursor() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 14; ++i)
    jobs.push_back(make_job(i + 1, at_second(i)));
  put_all(*s, jobs);

  job_query q;
  q.limit = 7;
  const auto first = list_ok(*s, q);
  CHECK(first.items.size() == 7);
  REQUIRE(first.next_cursor.has_value());
  q.cursor = first.next_cursor;
  const auto second = list_ok(*s, q);
  CHECK(second.items.size() == 7);
  CHECK_FALSE(second.next_cursor.has_value());

  q.limit = 14;
  q.cursor.reset();
  const auto whole = list_ok(*s, q);
  CHECK(whole.items.size() == 14);
  CHECK_FALSE(whole.next_cursor.has_value());
}

template <class Backend>
void pagination_is_stable_under_inserts() {
  for (auto order : {job_order::created_desc, job_order::created_asc}) {
    INFO(label(order));
    auto s = open_store<Backend>();
    std::vector<job> initial;
    for (std::uint64_t i = 0; i < 60; ++i)
      initial.push_back(make_job(100 + i, at_second(i / 2)));
    put_all(*s, initial);

    std::multiset<std::string> seen;
    std::uint64_t next_seed = 50'000;
    job_query q;
    q.order = order;
    q.limit = 7;
    for (std::size_t pages = 0;; ++pages) {
      REQUIRE(pages < 100);
      const auto page = list_ok(*s, q);
      for (const auto& j : page.items)
        seen.insert(to_string(j.id));
      if (!page.next_cursor) break;
      REQUIRE_FALSE(page.items.empty());
      const job& last = page.items.back();
      // Between pages: jobs newer and older than everything, and jobs tied
      // with the page's last item on either side of it; and the last item
      // itself goes away, which must not lose the position.
      put_all(*s, {make_job(next_seed++, t0 + 1h), make_job(next_seed++, t0 - 1h),
                   make_job(next_seed++, last.created_at), make_job(next_seed++, last.created_at),
                   make_job(next_seed++, last.created_at)});
      erase(*s, last.id);
      q.cursor = page.next_cursor;
    }

    for (const auto& id : seen) {
      INFO("id " << id);
      CHECK(seen.count(id) == 1);
    }
    for (const auto& j : initial) {
      INFO("initial job " << to_string(j.id));
      CHECK(seen.count(to_string(j.id)) == 1);
    }
  }
}

template <class Backend>
void bad_cursors_are_refused() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 10; ++i)
    jobs.push_back(make_job(i + 1, at_second(i)));
  put_all(*s, jobs);

  job_query q;
  q.limit = 3;
  const auto first = list_ok(*s, q);
  REQUIRE(first.next_cursor.has_value());
  const std::string real = *first.next_cursor;

  const std::vector<std::string> garbled{
      "",
      "garbage",
      "!!!!",
      std::string(2'000, 'a'),
      real.substr(0, real.size() / 2),
      real.substr(0, real.size() / 2) + std::string(real.size() - real.size() / 2, '~'),
      real + real,
  };
  for (const auto& cursor : garbled) {
    INFO("cursor '" << cursor << "'");
    q.cursor = cursor;
    CHECK(list_error(*s, q) == error_code::invalid_argument);
  }

  // The real cursor still works after all that.
  q.cursor = real;
  const auto second = list_ok(*s, q);
  CHECK(second.items.size() == 3);
}

template <class Backend>
void cursor_from_another_order_is_refused() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 10; ++i)
    jobs.push_back(make_job(i + 1, at_second(i)));
  put_all(*s, jobs);

  for (auto order : {job_order::created_desc, job_order::created_asc}) {
    INFO("cursor from " << label(order));
    job_query q;
    q.order = order;
    q.limit = 3;
    const auto page = list_ok(*s, q);
    REQUIRE(page.next_cursor.has_value());
    q.cursor = page.next_cursor;
    q.order = order == job_order::created_desc ? job_order::created_asc : job_order::created_desc;
    CHECK(list_error(*s, q) == error_code::invalid_argument);
  }
}

template <class Backend>
void bad_limits_are_refused() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 3; ++i)
    jobs.push_back(make_job(i + 1, at_second(i)));
  put_all(*s, jobs);

  for (std::size_t limit : {std::size_t{0}, std::size_t{1'001}, std::size_t{100'000},
                            std::numeric_limits<std::size_t>::max()}) {
    INFO("limit " << limit);
    job_query q;
    q.limit = limit;
    CHECK(list_error(*s, q) == error_code::invalid_argument);
  }
  job_query q;
  q.limit = 1;
  CHECK(list_ok(*s, q).items.size() == 1);
  q.limit = 1'000;
  CHECK(list_ok(*s, q).items.size() == 3);
}

}  // namespace jobforge::conformance

#pragma once
/// The store conformance suite's helpers: jobs to store, checks of what a
/// store answers, and an oracle for list filters. The behaviours are in
/// store_conformance_*.hpp; store_conformance.hpp registers them.

#include "model/canonical_json.hpp"
#include "model/job_codec.hpp"
#include "store/store.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace jobforge::conformance {

using namespace std::chrono_literals;

/// The instant every test's clock starts from.
inline const timestamp t0 = from_unix_ms(1'700'000'000'000);

/// `n` seconds after t0.
inline timestamp at_second(std::uint64_t n) {
  return t0 + std::chrono::seconds(static_cast<std::int64_t>(n));
}

/// A deterministic id; different seeds give different (unordered) ids.
inline job_id make_id(std::uint64_t seed) {
  return job_id::generate(*make_seeded_random(seed));
}

/// A minimal job; tests set the fields they care about.
inline job make_job(std::uint64_t seed, timestamp created_at,
                    job_status status = job_status::pending) {
  job j;
  j.id = make_id(seed);
  j.type = "noop";
  j.payload = boost::json::object{{"seed", seed}};
  j.status = status;
  j.tenant = "acme";
  j.created_at = created_at;
  j.updated_at = created_at;
  return j;
}

/// A job with every optional field set and no field at its default.
inline job job_with_every_field() {
  job j;
  j.id = make_id(7);
  j.type = "email.send";
  j.payload = boost::json::parse(
      R"({"to":"ann@example.com","vars":{"n":3,"ratio":0.25,"ok":true,"none":null},"lines":["a","\u00fc"]})");
  j.status = job_status::retrying;
  j.priority = priority::critical;
  j.attempts = 2;
  j.max_attempts = 7;
  j.retry.initial_backoff_ms = 250;
  j.retry.max_backoff_ms = 90'000;
  j.retry.multiplier = 3.0;
  j.retry.jitter = 0.5;
  j.retry.retry_on = {"smtp_4xx", "timeout"};
  j.timeout_ms = 12'345;
  j.run_at = t0 + 5min;
  j.dependencies.depends_on = {make_id(8), make_id(9)};
  j.dependencies.mode = dependency_mode::any;
  j.dependencies.on_failure = dependency_failure_policy::run;
  j.unique_key = "welcome:ann";
  j.unique_for_ms = 60'000;
  j.tenant = "globex";
  j.tags = {"billing", "urgent"};
  j.progress = job_progress{42.5, "render", "2 of 5", t0 + 3s, 1'500};
  j.result = boost::json::parse(R"({"partial":[1,2,3]})");
  j.last_error = job_error{"smtp_421", "try later", error_kind::transient};
  j.checkpoint = boost::json::parse(R"({"sent":2})");
  j.history = {
      {t0, std::nullopt, job_status::pending, 0, std::nullopt, "", ""},
      {t0 + 1s, job_status::pending, job_status::running, 1, std::nullopt, "node-a", ""},
      {t0 + 2s, job_status::running, job_status::retrying, 1,
       job_error{"smtp_421", "try later", error_kind::transient}, "node-a", "backoff"},
  };
  j.created_at = t0;
  j.updated_at = t0 + 3s;
  j.started_at = t0 + 1s;
  j.next_attempt_at = t0 + 6s;
  j.result_file = result_blob{"abc.json", 70'000, std::string(64, 'e'), "application/json"};
  j.finished_at = t0 + 4s;
  j.canceled_at = t0 + 5s;
  j.cancel_reason = "operator request";
  j.canceled_by = "ops@example.com";
  return j;
}

/// The job as comparable text: its JSON form with keys sorted, so backends
/// that reorder JSON objects (PostgreSQL jsonb) still compare equal.
inline std::string fingerprint(const job& j) {
  auto text = canonical_json(to_json(j));
  REQUIRE(text);
  return *text;
}

inline std::shared_ptr<const job> share(job j) {
  return std::make_shared<const job>(std::move(j));
}

template <class T>
std::string describe(const expected<T>& r) {
  return r.has_value() ? std::string("ok") : to_string(r.error_value());
}

/// A fresh, empty store of the backend under test.
template <class Backend>
std::unique_ptr<store> open_store() {
  auto s = Backend::make();
  REQUIRE(s != nullptr);
  return s;
}

inline void apply_ok(store& s, const std::vector<store_write>& batch) {
  const auto r = s.apply(batch);
  INFO(describe(r));
  REQUIRE(r.has_value());
}

inline void put(store& s, const job& j) {
  apply_ok(s, {put_job{share(j)}});
}

inline void put_all(store& s, const std::vector<job>& jobs) {
  std::vector<store_write> batch;
  for (const auto& j : jobs)
    batch.push_back(put_job{share(j)});
  apply_ok(s, batch);
}

inline void erase(store& s, const job_id& id) {
  apply_ok(s, {erase_job{id}});
}

inline std::optional<job> get(store& s, const job_id& id) {
  auto r = s.get(id);
  INFO(describe(r));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

inline status_counts counts(store& s) {
  const auto r = s.count_by_status();
  INFO(describe(r));
  REQUIRE(r.has_value());
  return r.value();
}

inline std::vector<std::size_t> counts_vector(const status_counts& c) {
  std::vector<std::size_t> out;
  for (auto st : all_job_statuses)
    out.push_back(c.of(st));
  return out;
}

/// The counts by status of `jobs`, computed here rather than by the store.
inline std::vector<std::size_t> expected_counts(const std::vector<job>& jobs) {
  std::vector<std::size_t> out(all_job_statuses.size(), 0);
  for (const auto& j : jobs)
    ++out[static_cast<std::size_t>(j.status)];
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<job>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(to_string(j.id));
  return out;
}

inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

inline const char* label(job_order o) {
  return o == job_order::created_desc ? "created_desc" : "created_asc";
}

/// The filter's meaning, written out independently of any backend.
inline bool oracle_matches(const job_filter& f, const job& j) {
  if (f.statuses && std::count(f.statuses->begin(), f.statuses->end(), j.status) == 0) return false;
  if (f.type && *f.type != j.type) return false;
  if (f.priority && *f.priority != j.priority) return false;
  if (f.tag && std::count(j.tags.begin(), j.tags.end(), *f.tag) == 0) return false;
  if (f.tenant && *f.tenant != j.tenant) return false;
  if (f.parent && std::count(j.dependencies.depends_on.begin(), j.dependencies.depends_on.end(),
                             *f.parent) == 0)
    return false;
  if (f.created_from && j.created_at < *f.created_from) return false;
  if (f.created_until && j.created_at >= *f.created_until) return false;
  return true;
}

/// What a complete listing of `jobs` under `f` in `order` must be.
inline std::vector<std::string> expected_ids(std::vector<job> jobs, const job_filter& f,
                                             job_order order) {
  jobs.erase(
      std::remove_if(jobs.begin(), jobs.end(), [&](const job& j) { return !oracle_matches(f, j); }),
      jobs.end());
  std::sort(jobs.begin(), jobs.end(), [](const job& a, const job& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  if (order == job_order::created_desc) std::reverse(jobs.begin(), jobs.end());
  return ids_of(jobs);
}

inline job_query query_for(job_filter f) {
  job_query q;
  q.filter = std::move(f);
  return q;
}

inline job_page list_ok(store& s, const job_query& q) {
  auto r = s.list(q);
  INFO(describe(r));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

/// Follows cursors to the last page and returns every id in page order,
/// checking the page contract on the way: no page exceeds the limit, and a
/// page with a next cursor is full (so the last page is the first short one,
/// or a full one without a cursor).
inline std::vector<std::string> list_all(store& s, job_query q) {
  std::vector<std::string> out;
  for (std::size_t pages = 0;; ++pages) {
    REQUIRE(pages < 100'000);  // a cursor that never ends
    auto page = list_ok(s, q);
    CHECK(page.items.size() <= q.limit);
    for (const auto& j : page.items)
      out.push_back(to_string(j.id));
    if (!page.next_cursor) break;
    REQUIRE(page.items.size() == q.limit);
    q.cursor = page.next_cursor;
  }
  return out;
}

inline error_code list_error(store& s, const job_query& q) {
  auto r = s.list(q);
  REQUIRE_FALSE(r.has_value());
  return r.error_value().code;
}

/// Lists `f` completely in both orders with page sizes 1, 7 and 1000 and
/// compares with the oracle.
inline void check_listing(store& s, const std::vector<job>& all, const job_filter& f) {
  for (auto order : {job_order::created_desc, job_order::created_asc}) {
    const auto want = expected_ids(all, f, order);
    for (std::size_t limit : {1, 7, 1000}) {
      INFO(label(order) << ", limit " << limit);
      job_query q;
      q.filter = f;
      q.order = order;
      q.limit = limit;
      CHECK(list_all(s, q) == want);
    }
  }
}

/// 120 jobs spread over every status, three types, every priority, two
/// tenants, overlapping tags and 40 creation times (three jobs per time, so
/// ties are broken by id everywhere).
inline std::vector<job> varied_jobs() {
  const std::array<const char*, 3> types{"email.send", "http.request", "noop"};
  const std::array<const char*, 2> tenants{"acme", "globex"};
  const std::array<std::vector<std::string>, 5> tag_sets{
      std::vector<std::string>{"urgent", "billing"}, std::vector<std::string>{"billing"},
      std::vector<std::string>{}, std::vector<std::string>{"urgent"},
      std::vector<std::string>{"nightly", "urgent", "urgent"}};
  std::vector<job> jobs;
  for (std::uint64_t i = 0; i < 120; ++i) {
    job j = make_job(1'000 + i, at_second(i % 40), all_job_statuses[i % 8]);
    j.type = types[i % 3];
    j.priority = static_cast<priority>((i / 3) % 4);
    j.tenant = tenants[(i / 5) % 2];
    j.tags = tag_sets[i % 5];
    // Every 4th job depends on parent 1, every 6th on parent 2 (some on both).
    if (i % 4 == 0) j.dependencies.depends_on.push_back(make_id(1));
    if (i % 6 == 0) j.dependencies.depends_on.push_back(make_id(2));
    jobs.push_back(std::move(j));
  }
  return jobs;
}

/// A named filter for table-driven tests.
struct filter_case {
  const char* name;
  job_filter filter;
  bool matches_some = true;  ///< guards against a vacuous comparison
};

inline std::vector<filter_case> single_field_filters() {
  std::vector<filter_case> cases;
  const auto add = [&](const char* name, bool some, std::function<void(job_filter&)> set) {
    job_filter f;
    set(f);
    cases.push_back({name, std::move(f), some});
  };
  using S = job_status;
  add("no filter", true, [](job_filter&) {});
  add("one status", true, [](job_filter& f) { f.statuses = {{S::pending}}; });
  add("three statuses", true, [](job_filter& f) {
    f.statuses = {{S::pending, S::running, S::failed}};
  });
  add("a status named twice", true, [](job_filter& f) { f.statuses = {{S::blocked, S::blocked}}; });
  add("every status", true, [](job_filter& f) {
    f.statuses = std::vector<S>(all_job_statuses.begin(), all_job_statuses.end());
  });
  add("an empty status set", false, [](job_filter& f) { f.statuses = std::vector<S>{}; });
  add("type", true, [](job_filter& f) { f.type = "email.send"; });
  add("an unknown type", false, [](job_filter& f) { f.type = "no.such.type"; });
  add("priority", true, [](job_filter& f) { f.priority = priority::high; });
  add("tag", true, [](job_filter& f) { f.tag = "urgent"; });
  add("another tag", true, [](job_filter& f) { f.tag = "billing"; });
  add("an unknown tag", false, [](job_filter& f) { f.tag = "no-such-tag"; });
  add("parent", true, [](job_filter& f) { f.parent = make_id(1); });
  add("another parent", true, [](job_filter& f) { f.parent = make_id(2); });
  add("a job nobody depends on", false, [](job_filter& f) { f.parent = make_id(3); });
  add("tenant", true, [](job_filter& f) { f.tenant = "globex"; });
  add("an unknown tenant", false, [](job_filter& f) { f.tenant = "initech"; });
  add("created_from (inclusive)", true, [](job_filter& f) { f.created_from = t0 + 10s; });
  add("created_until (exclusive)", true, [](job_filter& f) { f.created_until = t0 + 10s; });
  add("a created range", true, [](job_filter& f) {
    f.created_from = t0 + 10s;
    f.created_until = t0 + 20s;
  });
  add("an empty created range", false, [](job_filter& f) {
    f.created_from = t0 + 10s;
    f.created_until = t0 + 10s;
  });
  add("an inverted created range", false, [](job_filter& f) {
    f.created_from = t0 + 20s;
    f.created_until = t0 + 10s;
  });
  return cases;
}

inline std::vector<filter_case> combined_filters() {
  std::vector<filter_case> cases;
  const auto add = [&](const char* name, bool some, std::function<void(job_filter&)> set) {
    job_filter f;
    set(f);
    cases.push_back({name, std::move(f), some});
  };
  using S = job_status;
  add("statuses + type + tenant", true, [](job_filter& f) {
    f.statuses = {{S::pending, S::completed, S::retrying}};
    f.type = "http.request";
    f.tenant = "acme";
  });
  add("tag + priority", true, [](job_filter& f) {
    f.tag = "urgent";
    f.priority = priority::low;
  });
  add("type + created range", true, [](job_filter& f) {
    f.type = "noop";
    f.created_from = t0 + 5s;
    f.created_until = t0 + 30s;
  });
  add("statuses + tag + created_from", true, [](job_filter& f) {
    f.statuses = {{S::scheduled, S::blocked, S::canceled}};
    f.tag = "billing";
    f.created_from = t0 + 12s;
  });
  add("every field", true, [](job_filter& f) {
    f.statuses = {{S::pending, S::failed, S::scheduled, S::running}};
    f.type = "email.send";
    f.priority = priority::normal;
    f.tag = "urgent";
    f.tenant = "acme";
    f.created_from = t0;
    f.created_until = t0 + 40s;
  });
  add("fields that exclude each other", false, [](job_filter& f) {
    f.type = "email.send";
    f.tag = "no-such-tag";
  });
  return cases;
}

inline void check_filters(store& s, const std::vector<job>& all,
                          const std::vector<filter_case>& cases) {
  for (const auto& c : cases) {
    INFO("filter: " << c.name);
    const bool some = !expected_ids(all, c.filter, job_order::created_asc).empty();
    CHECK(some == c.matches_some);
    check_listing(s, all, c.filter);
  }
}

}  // namespace jobforge::conformance

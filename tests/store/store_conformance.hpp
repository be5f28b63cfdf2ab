#pragma once
/// The store conformance suite: every promise of src/store/store.hpp,
/// written once and run against every backend.
///
/// A backend joins with one small test file:
///
///   struct sqlite_backend {
///     static std::unique_ptr<jobforge::store> make();  // a fresh, empty store
///   };
///   JOBFORGE_STORE_CONFORMANCE(sqlite_backend, "sqlite")
///
/// which registers one Catch2 test case per behaviour, named
/// "<label>: <behaviour>" and tagged [store][<label>]. Each test case asks
/// the backend for a new store, so tests never see each other's jobs.

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
  j.finished_at = t0 + 4s;
  j.canceled_at = t0 + 5s;
  j.cancel_reason = "operator request";
  j.canceled_by = "ops@example.com";
  return j;
}

/// The job as comparable text: its JSON form with keys sorted, so backends
/// that reorder JSON objects (PostgreSQL jsonb) still compare equal.
inline std::string fingerprint(const job& j) {
  return canonical_json(to_json(j));
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

// ---------------------------------------------------------------------------
// The behaviours. Each is a function template over the backend.

template <class Backend>
void empty_store() {
  auto s = open_store<Backend>();
  CHECK_FALSE(get(*s, make_id(1)).has_value());
  const auto page = list_ok(*s, job_query{});
  CHECK(page.items.empty());
  CHECK_FALSE(page.next_cursor.has_value());
  const auto unfinished = s->load_unfinished();
  REQUIRE(unfinished.has_value());
  CHECK(unfinished->empty());
  CHECK(counts_vector(counts(*s)) == std::vector<std::size_t>(8, 0));
  apply_ok(*s, {});
}

template <class Backend>
void round_trip() {
  auto s = open_store<Backend>();
  const job original = job_with_every_field();
  put(*s, original);

  const auto loaded = get(*s, original.id);
  REQUIRE(loaded.has_value());
  CHECK(fingerprint(*loaded) == fingerprint(original));

  const auto page = list_ok(*s, job_query{});
  REQUIRE(page.items.size() == 1);
  CHECK(fingerprint(page.items.front()) == fingerprint(original));

  const auto unfinished = s->load_unfinished();
  REQUIRE(unfinished.has_value());
  REQUIRE(unfinished->size() == 1);
  CHECK(fingerprint(unfinished->front()) == fingerprint(original));

  CHECK_FALSE(get(*s, make_id(8)).has_value());
}

template <class Backend>
void replace() {
  auto s = open_store<Backend>();
  job before = make_job(1, t0, job_status::pending);
  before.type = "email.send";
  before.priority = priority::low;
  before.tenant = "acme";
  before.tags = {"old"};
  const job other = make_job(2, t0 + 1s);
  put_all(*s, {before, other});

  job after = before;
  after.type = "http.request";
  after.status = job_status::running;
  after.priority = priority::high;
  after.tenant = "globex";
  after.tags = {"new"};
  after.attempts = 1;
  after.created_at = t0 + 2s;  // moves it in list order too
  after.history.push_back({t0 + 2s, job_status::pending, job_status::running, 1, {}, "", ""});
  put(*s, after);

  const auto loaded = get(*s, before.id);
  REQUIRE(loaded.has_value());
  CHECK(fingerprint(*loaded) == fingerprint(after));

  const std::vector<job> now{after, other};
  for (const auto& c : single_field_filters()) {
    INFO("filter: " << c.name);
    check_listing(*s, now, c.filter);
  }
  job_filter old_type;
  old_type.type = "email.send";
  CHECK(list_ok(*s, query_for(old_type)).items.empty());
  job_filter old_tag;
  old_tag.tag = "old";
  CHECK(list_ok(*s, query_for(old_tag)).items.empty());
  CHECK(counts_vector(counts(*s)) == expected_counts(now));
}

template <class Backend>
void erase_jobs() {
  auto s = open_store<Backend>();
  const job a = make_job(1, t0);
  job b = make_job(2, t0 + 1s);
  b.tags = {"x"};
  put_all(*s, {a, b});

  erase(*s, b.id);
  CHECK_FALSE(get(*s, b.id).has_value());
  CHECK(get(*s, a.id).has_value());
  CHECK(ids_of(list_ok(*s, job_query{}).items) == ids_of({a}));
  job_filter by_tag;
  by_tag.tag = "x";
  CHECK(list_ok(*s, query_for(by_tag)).items.empty());
  CHECK(counts_vector(counts(*s)) == expected_counts({a}));

  // Erasing what is not there is not an error.
  erase(*s, b.id);
  erase(*s, make_id(99));
  erase(*s, job_id{});
  apply_ok(*s, {erase_job{a.id}, erase_job{a.id}});
  CHECK_FALSE(get(*s, a.id).has_value());
  CHECK(list_ok(*s, job_query{}).items.empty());
  CHECK(counts_vector(counts(*s)) == std::vector<std::size_t>(8, 0));
}

template <class Backend>
void batch_applies_in_order() {
  auto s = open_store<Backend>();
  const job x = make_job(1, t0);
  job y = make_job(2, t0 + 1s);
  put(*s, y);

  job y2 = y;
  y2.status = job_status::running;
  job x2 = x;
  x2.status = job_status::completed;
  apply_ok(*s, {put_job{share(x)}, erase_job{x.id}, erase_job{y.id}, put_job{share(y2)},
                put_job{share(x)}, put_job{share(x2)}});

  const auto loaded_x = get(*s, x.id);
  REQUIRE(loaded_x.has_value());
  CHECK(fingerprint(*loaded_x) == fingerprint(x2));
  const auto loaded_y = get(*s, y.id);
  REQUIRE(loaded_y.has_value());
  CHECK(fingerprint(*loaded_y) == fingerprint(y2));
  CHECK(counts_vector(counts(*s)) == expected_counts({x2, y2}));
}

template <class Backend>
void batch_is_atomic() {
  auto s = open_store<Backend>();
  const job kept = make_job(1, t0, job_status::running);
  put(*s, kept);
  const auto listing_before = ids_of(list_ok(*s, job_query{}).items);
  const auto counts_before = counts_vector(counts(*s));

  const job fresh = make_job(2, t0 + 1s);
  job changed = kept;
  changed.status = job_status::completed;
  job nil_id = make_job(3, t0 + 2s);
  nil_id.id = job_id{};
  const std::vector<std::pair<const char*, store_write>> bad_writes{
      {"a null snapshot", put_job{nullptr}}, {"the nil id", put_job{share(nil_id)}}};

  for (const auto& [what, bad] : bad_writes) {
    for (std::size_t position : {0, 1, 3}) {
      INFO(what << " at position " << position);
      std::vector<store_write> batch{put_job{share(fresh)}, put_job{share(changed)},
                                     erase_job{kept.id}};
      batch.insert(batch.begin() + static_cast<std::ptrdiff_t>(position), bad);
      const auto r = s->apply(batch);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error_value().code == error_code::invalid_argument);

      CHECK_FALSE(get(*s, fresh.id).has_value());
      const auto loaded = get(*s, kept.id);
      REQUIRE(loaded.has_value());
      CHECK(fingerprint(*loaded) == fingerprint(kept));
      CHECK(ids_of(list_ok(*s, job_query{}).items) == listing_before);
      CHECK(counts_vector(counts(*s)) == counts_before);
      const auto unfinished = s->load_unfinished();
      REQUIRE(unfinished.has_value());
      CHECK(ids_of(*unfinished) == ids_of({kept}));
    }
  }
}

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

template <class Backend>
void load_unfinished_returns_non_terminal_jobs() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  std::uint64_t seed = 1;
  for (auto st : all_job_statuses) {
    for (int k = 0; k < 2; ++k, ++seed)
      jobs.push_back(make_job(seed, at_second(seed), st));
  }
  put_all(*s, jobs);

  const auto unfinished_ids = [&](const std::vector<job>& from) {
    std::vector<std::string> out;
    for (const auto& j : from)
      if (!is_terminal(j.status)) out.push_back(to_string(j.id));
    return sorted(out);
  };
  const auto loaded = [&] {
    auto r = s->load_unfinished();
    INFO(describe(r));
    REQUIRE(r.has_value());
    return r.value();
  };
  CHECK(sorted(ids_of(loaded())) == unfinished_ids(jobs));
  CHECK(loaded().size() == 10);

  // A running job finishes, a completed one is replayed, a pending one goes.
  job& running = jobs[6];
  REQUIRE(running.status == job_status::running);
  running.status = job_status::completed;
  job& failed = jobs[12];
  REQUIRE(failed.status == job_status::failed);
  failed.status = job_status::pending;
  const job gone = jobs[4];
  REQUIRE(gone.status == job_status::pending);
  apply_ok(*s, {put_job{share(running)}, put_job{share(failed)}, erase_job{gone.id}});
  jobs.erase(jobs.begin() + 4);

  CHECK(sorted(ids_of(loaded())) == unfinished_ids(jobs));
  for (const auto& j : loaded()) {
    const auto original = std::find_if(jobs.begin(), jobs.end(),
                                       [&](const job& candidate) { return candidate.id == j.id; });
    REQUIRE(original != jobs.end());
    CHECK(fingerprint(j) == fingerprint(*original));
  }
}

template <class Backend>
void counts_follow_every_write() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;  // what the store should hold
  const auto check_counts = [&] { CHECK(counts_vector(counts(*s)) == expected_counts(jobs)); };

  for (std::uint64_t i = 0; i < 24; ++i)
    jobs.push_back(make_job(i + 1, at_second(i), all_job_statuses[(i * 5) % 8]));
  put_all(*s, jobs);
  check_counts();

  // Walk each job through a status change.
  for (std::size_t i = 0; i < jobs.size(); i += 3) {
    jobs[i].status = all_job_statuses[(static_cast<std::size_t>(jobs[i].status) + 3) % 8];
    put(*s, jobs[i]);
    check_counts();
  }
  // A replacement that keeps the status changes nothing.
  jobs[1].attempts += 1;
  put(*s, jobs[1]);
  check_counts();

  // A failed batch counts nothing.
  job extra = make_job(500, t0);
  CHECK_FALSE(
      s->apply({put_job{share(extra)}, erase_job{jobs[0].id}, put_job{nullptr}}).has_value());
  check_counts();

  for (int k = 0; k < 5; ++k) {
    erase(*s, jobs.back().id);
    jobs.pop_back();
    check_counts();
  }
  erase(*s, make_id(12'345));
  check_counts();
}

}  // namespace jobforge::conformance

#define JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, title, behaviour) \
  TEST_CASE(label ": " title, "[store][" label "]") {                      \
    ::jobforge::conformance::behaviour<backend>();                         \
  }

/// Registers the whole conformance suite for `backend` (a type with
/// `static std::unique_ptr<jobforge::store> make()` returning a fresh, empty
/// store); `label` (a string literal) names and tags its test cases.
#define JOBFORGE_STORE_CONFORMANCE(backend, label)                                               \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "an empty store is empty", empty_store)       \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a job with every field set round-trips",     \
                                   round_trip)                                                   \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a put replaces the whole job", replace)      \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "erase removes a job and ignores absent ids", \
                                   erase_jobs)                                                   \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a batch applies its writes in order",        \
                                   batch_applies_in_order)                                       \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a batch with a bad write changes nothing",   \
                                   batch_is_atomic)                                              \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "every filter alone", filters_alone)          \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "filters combined", filters_combined)         \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "both orders break ties by id",               \
                                   orders_break_ties_by_id)                                      \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "pagination visits every job once in order",  \
                                   pagination_over_many_pages)                                   \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "the last page has no cursor",                \
                                   last_page_has_no_cursor)                                      \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "pagination is stable under inserts",         \
                                   pagination_is_stable_under_inserts)                           \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "malformed cursors are refused",              \
                                   bad_cursors_are_refused)                                      \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a cursor from another order is refused",     \
                                   cursor_from_another_order_is_refused)                         \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "limits outside 1..1000 are refused",         \
                                   bad_limits_are_refused)                                       \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "load_unfinished returns non-terminal jobs",  \
                                   load_unfinished_returns_non_terminal_jobs)                    \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "counts by status follow every write",        \
                                   counts_follow_every_write)

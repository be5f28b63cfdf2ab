#pragma once
/// Conformance behaviours: writes, reads and batches.

#include "store_conformance_support.hpp"

namespace jobforge::conformance {

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
  before.dependencies.depends_on = {make_id(1), make_id(3)};
  const job other = make_job(2, t0 + 1s);
  put_all(*s, {before, other});

  job after = before;
  after.type = "http.request";
  after.status = job_status::running;
  after.priority = priority::high;
  after.tenant = "globex";
  after.tags = {"new"};
  after.dependencies.depends_on = {make_id(2)};  // a parent added, two removed
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
  job_filter old_parent;
  old_parent.parent = make_id(3);
  CHECK(list_ok(*s, query_for(old_parent)).items.empty());
  CHECK(counts_vector(counts(*s)) == expected_counts(now));
}

// Rewrites that move only status and priority (what most updates are; the
// memory store relinks a job in place for them), over many jobs at once.
template <class Backend>
void status_and_priority_rewrites() {
  auto s = open_store<Backend>();
  auto jobs = varied_jobs();
  put_all(*s, jobs);
  for (std::size_t round = 1; round <= 3; ++round) {
    for (std::size_t i = 0; i < jobs.size(); i += round) {
      job& j = jobs[i];
      j.status = all_job_statuses[(i + round * 3) % all_job_statuses.size()];
      j.priority = static_cast<priority>((i + round) % 4);
      j.finished_at =
          is_terminal(j.status) ? std::optional<timestamp>(at_second(100 + round)) : std::nullopt;
      put(*s, j);
    }
    INFO("round " << round);
    for (const auto& c : single_field_filters()) {
      INFO("filter: " << c.name);
      check_listing(*s, jobs, c.filter);
    }
    CHECK(counts_vector(counts(*s)) == expected_counts(jobs));
  }
  // Erasing after the moves leaves no trace of a job in any index.
  for (std::size_t i = 0; i < jobs.size(); i += 2)
    erase(*s, jobs[i].id);
  std::vector<job> kept;
  for (std::size_t i = 1; i < jobs.size(); i += 2)
    kept.push_back(jobs[i]);
  for (const auto& c : single_field_filters()) {
    INFO("filter after erasing: " << c.name);
    check_listing(*s, kept, c.filter);
  }
  CHECK(counts_vector(counts(*s)) == expected_counts(kept));
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

// put_job::created lets a store insert without looking for the job's row;
// a creation retried after a commit that went through (its answer lost)
// still replaces the row, with the counts and history right.
template <class Backend>
void creations_insert_and_retried_ones_replace() {
  auto s = open_store<Backend>();
  const job a = make_job(1, t0);
  const job b = make_job(2, t0 + 1s);
  job b2 = b;
  b2.status = job_status::running;
  history_entry started;
  started.at = t0 + 2s;
  started.from = job_status::pending;
  started.to = job_status::running;
  started.attempt = 1;
  b2.history.push_back(started);
  apply_ok(*s, {put_job{share(a), true}, put_job{share(b), true}, put_job{share(b2)}});
  CHECK(fingerprint(*get(*s, b.id)) == fingerprint(b2));
  CHECK(counts_vector(counts(*s)) == expected_counts({a, b2}));

  job a2 = a;
  a2.priority = priority::high;
  const job c = make_job(3, t0 + 3s);
  apply_ok(*s, {put_job{share(a2), true}, put_job{share(c), true}});
  CHECK(fingerprint(*get(*s, a.id)) == fingerprint(a2));
  CHECK(fingerprint(*get(*s, c.id)) == fingerprint(c));
  CHECK(counts_vector(counts(*s)) == expected_counts({a2, b2, c}));
  const auto unfinished = s->load_unfinished();
  REQUIRE(unfinished.has_value());
  CHECK(sorted(ids_of(*unfinished)) == sorted(ids_of({a2, b2, c})));
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

}  // namespace jobforge::conformance

#pragma once
/// Conformance behaviours: what recovery, statistics and retention read.

#include "store_conformance_support.hpp"

namespace jobforge::conformance {

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

/// A summary as comparable text (every field).
inline std::string summary_text(const job_summary& s) {
  std::string out =
      to_string(s.id) + " " + s.type + " " + std::string(to_string(s.status)) + " " +
      std::to_string(static_cast<int>(s.priority)) + " " +
      std::to_string(to_unix_ms(s.created_at)) +
      " run_at=" + (s.run_at ? std::to_string(to_unix_ms(*s.run_at)) : "-") +
      " next=" + (s.next_attempt_at ? std::to_string(to_unix_ms(*s.next_attempt_at)) : "-") + " " +
      std::string(to_string(s.dependencies.mode)) + " " +
      std::string(to_string(s.dependencies.on_failure)) + " parents:";
  for (const auto& p : s.dependencies.depends_on)
    out += " " + to_string(p);
  return out;
}

/// The summaries of the unfinished ones of `jobs`, sorted, as text.
inline std::vector<std::string> summary_texts(const std::vector<job>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    if (!is_terminal(j.status)) out.push_back(summary_text(summarize(j)));
  return sorted(out);
}

inline std::vector<std::string> summary_texts(const std::vector<job_summary>& summaries) {
  std::vector<std::string> out;
  for (const auto& s : summaries)
    out.push_back(summary_text(s));
  return sorted(out);
}

template <class Backend>
void unfinished_summaries_match_the_jobs() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  std::uint64_t seed = 1;
  for (auto st : all_job_statuses) {
    for (int k = 0; k < 2; ++k, ++seed)
      jobs.push_back(make_job(seed, at_second(seed), st));
  }
  // Every field a summary carries, set to something other than its default.
  jobs[0].priority = priority::critical;
  jobs[0].type = "email.send";
  jobs[2].run_at = at_second(500) + 123ms;  // scheduled
  jobs[2].status = job_status::scheduled;
  jobs[3].next_attempt_at = at_second(600) + 9ms;
  jobs[3].status = job_status::retrying;
  jobs[4].status = job_status::blocked;
  jobs[4].dependencies.depends_on = {jobs[0].id, jobs[1].id, make_id(999)};
  jobs[4].dependencies.mode = dependency_mode::any;
  jobs[5].status = job_status::blocked;
  jobs[5].dependencies.depends_on = {jobs[0].id};
  jobs[5].dependencies.on_failure = dependency_failure_policy::run;
  put_all(*s, jobs);

  const auto loaded = [&] {
    auto r = s->load_unfinished_summaries();
    INFO(describe(r));
    REQUIRE(r.has_value());
    return summary_texts(r.value());
  };
  CHECK(loaded() == summary_texts(jobs));
  CHECK(loaded().size() == 10);

  // Changes through both kinds of write (status only; other columns too).
  jobs[3].status = job_status::pending;
  jobs[3].next_attempt_at.reset();
  jobs[2].run_at = at_second(700);
  jobs[4].dependencies.depends_on.pop_back();
  jobs[0].status = job_status::completed;
  apply_ok(*s, {put_job{share(jobs[3])}, put_job{share(jobs[2])}, put_job{share(jobs[4])},
                put_job{share(jobs[0])}, erase_job{jobs[1].id}});
  jobs.erase(jobs.begin() + 1);
  CHECK(loaded() == summary_texts(jobs));
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

template <class Backend>
void dedup_claims_cover_open_windows() {
  auto s = open_store<Backend>();
  const auto keyed = [](std::uint64_t seed, std::int64_t window_ms, job_status status) {
    job j = make_job(seed, t0, status);
    j.unique_key = "key-" + std::to_string(seed);
    j.unique_for_ms = window_ms;
    j.tenant = seed % 2 == 0 ? "acme" : "globex";
    return j;
  };
  const job open_pending = keyed(1, 60'000, job_status::pending);
  const job open_completed = keyed(2, 120'000, job_status::completed);  // still holds its key
  const job expired = keyed(3, 10'000, job_status::pending);
  const job no_window = keyed(4, 0, job_status::pending);
  job no_key = make_job(5, t0);
  no_key.unique_for_ms = 60'000;
  put_all(*s, {open_pending, open_completed, expired, no_window, no_key});

  auto claims = s->load_dedup_claims(t0 + 30s);
  INFO(describe(claims));
  REQUIRE(claims.has_value());
  std::sort(claims->begin(), claims->end(),
            [](const dedup_claim& a, const dedup_claim& b) { return a.key < b.key; });
  REQUIRE(claims->size() == 2);
  CHECK((*claims)[0].key == "key-1");
  CHECK((*claims)[0].tenant == "globex");
  CHECK((*claims)[0].id == open_pending.id);
  CHECK((*claims)[0].until == t0 + 60s);
  CHECK((*claims)[1].key == "key-2");
  CHECK((*claims)[1].tenant == "acme");
  CHECK((*claims)[1].id == open_completed.id);
  CHECK((*claims)[1].until == t0 + 120s);

  // A window ends at its last millisecond.
  auto later = s->load_dedup_claims(t0 + 120s);
  REQUIRE(later.has_value());
  CHECK(later->empty());
}

template <class Backend>
void prune_removes_the_oldest_finished_jobs() {
  auto s = open_store<Backend>();
  std::vector<job> jobs;
  // Finished at seconds 10, 9, ..., 1 (so insertion order is not the answer).
  for (std::uint64_t i = 0; i < 10; ++i) {
    job j = make_job(i + 1, t0, all_job_statuses[5 + i % 3]);
    REQUIRE(is_terminal(j.status));
    j.finished_at = at_second(10 - i);
    j.tags = {"old"};
    jobs.push_back(j);
  }
  job unfinished = make_job(50, t0, job_status::retrying);
  unfinished.finished_at = at_second(1);  // not terminal: never pruned
  job recent = make_job(51, t0, job_status::completed);
  recent.finished_at = at_second(100);
  jobs.push_back(unfinished);
  jobs.push_back(recent);
  put_all(*s, jobs);

  const auto prune = [&](std::size_t limit) {
    auto r = s->prune_finished(at_second(50), limit);
    INFO(describe(r));
    REQUIRE(r.has_value());
    return r.value();
  };
  const auto first = prune(4);
  REQUIRE(first.size() == 4);
  for (std::size_t k = 0; k < 4; ++k)  // finished at seconds 1..4: jobs 9, 8, 7, 6
    CHECK(first[k] == jobs[9 - k].id);
  for (const auto& id : first)
    CHECK_FALSE(get(*s, id).has_value());

  CHECK(prune(100).size() == 6);
  CHECK(prune(100).empty());
  CHECK(get(*s, unfinished.id).has_value());
  CHECK(get(*s, recent.id).has_value());
  job_filter by_tag;
  by_tag.tag = "old";
  CHECK(list_ok(*s, query_for(by_tag)).items.empty());
  CHECK(counts(*s).of(job_status::retrying) == 1);
  CHECK(counts(*s).of(job_status::completed) == 1);
}

}  // namespace jobforge::conformance

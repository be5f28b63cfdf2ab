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

#include "store_conformance_basics.hpp"
#include "store_conformance_listing.hpp"
#include "store_conformance_recovery.hpp"
#include "store_conformance_schedules.hpp"

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
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "rewrites of status and priority move a job", \
                                   status_and_priority_rewrites)                                 \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "erase removes a job and ignores absent ids", \
                                   erase_jobs)                                                   \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a batch applies its writes in order",        \
                                   batch_applies_in_order)                                       \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "a batch with a bad write changes nothing",   \
                                   batch_is_atomic)                                              \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label,                                               \
                                   "creations insert, and a retried one replaces its job",       \
                                   creations_insert_and_retried_ones_replace)                    \
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
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label,                                               \
                                   "unfinished summaries are what scheduling needs of each job", \
                                   unfinished_summaries_match_the_jobs)                          \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "counts by status follow every write",        \
                                   counts_follow_every_write)                                    \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "dedup claims are the open windows",          \
                                   dedup_claims_cover_open_windows)                              \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label, "prune removes the oldest finished jobs",     \
                                   prune_removes_the_oldest_finished_jobs)                       \
  JOBFORGE_STORE_CONFORMANCE_CASE_(backend, label,                                               \
                                   "schedule records round-trip, replace and erase",             \
                                   schedule_records_round_trip)

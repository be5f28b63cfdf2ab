#include "actors/store_writer.hpp"

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"
#include "actors/store_reader_actor.hpp"
#include "store/coalesce.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {
namespace {

using writer = caf::stateful_actor<store_writer_state>;

// Tells the scheduler how the submissions of a batch fared, then answers
// their submitters: in that order, so that a submitter's next request
// (a cancel, a dependent job) reaches a scheduler that admitted the job.
void answer_submissions(writer* self, const void_reply& result) {
  auto& st = self->state;
  if (st.submissions.empty()) return;
  auto submissions = std::move(st.submissions);
  st.submissions.clear();
  std::vector<job_id> ids;
  for (std::size_t i = 0; i < submissions.size(); ++i) {
    ids.push_back(submissions[i].answer.value.id);
    const bool last_for_scheduler =
        i + 1 == submissions.size() || submissions[i + 1].scheduler != submissions[i].scheduler;
    if (last_for_scheduler) {
      self->send(submissions[i].scheduler, submissions_committed_atom::value, std::move(ids),
                 result);
      ids.clear();
    }
  }
  for (auto& s : submissions) {
    if (result)
      s.promise.deliver(submit_reply{std::move(s.answer)});
    else
      s.promise.deliver(
          submit_reply{error{error_code::unavailable,
                             "the job could not be stored: " + result.error_value().message}});
  }
}

void index_batch(store_writer_state& st) {
  st.latest_in_batch.clear();
  for (std::size_t i = 0; i < st.batch.size(); ++i) {
    if (const auto* put = std::get_if<put_job>(&st.batch[i])) {
      if (put->snapshot) st.latest_in_batch[put->snapshot->id] = i;
    } else if (const auto* erase = std::get_if<erase_job>(&st.batch[i])) {
      st.latest_in_batch[erase->id] = i;
    }
  }
}

void answer_waiting(writer* self, const void_reply& result) {
  auto& st = self->state;
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& promise : waiting)
    promise.deliver(result);
  answer_submissions(self, result);
}

// The store refused the commit as unavailable: whoever waits hears of it
// (their writes are dropped, so nothing they were told failed happens
// later); the writes nobody waits for stay, to be tried again.
void keep_refused(writer* self, const error& why) {
  auto& st = self->state;
  std::vector<store_write> kept;
  for (std::size_t i = 0; i < st.batch.size(); ++i)
    if (!st.batch_awaited[i]) kept.push_back(std::move(st.batch[i]));
  const std::size_t dropped = st.batch.size() - kept.size();
  st.batch = std::move(kept);
  st.batch_awaited.assign(st.batch.size(), false);
  index_batch(st);
  answer_waiting(self, why);
  if (st.batch.empty()) {
    spdlog::error("store: a batch of {} awaited writes failed: {}", dropped, why.message);
    return;
  }
  const bool first = !st.refused;
  st.refused = true;
  st.limits.outage->refused(why.message, st.batch.size());
  const auto now = std::chrono::steady_clock::now();
  if (first || now - st.last_outage_log >= std::chrono::seconds(30)) {
    const auto report = st.limits.outage->current();
    spdlog::warn(
        "store: the store refuses writes ({}); {} writes are kept and tried again, "
        "new submissions are refused until it takes them (refused {} times in {} s)",
        why.message, st.batch.size(), report ? report->tries : 1,
        report ? std::chrono::duration_cast<std::chrono::seconds>(now - report->since).count() : 0);
    st.last_outage_log = now;
  }
  st.retry_pause =
      first ? st.limits.first_retry_pause : std::min(st.retry_pause * 2, st.limits.max_retry_pause);
  self->delayed_send(self, st.retry_pause, store_retry_atom::value);
}

error refused_now(const store_writer_state& st) {
  auto e = st.limits.outage->writable();
  return e ? error{error_code::unavailable, "the store takes no writes"} : e.error_value();
}

// Commits the open batch (if any) and answers everyone who waits for it.
// While the store refuses writes, only a retry (`retry`) tries again.
void_reply commit(writer* self, bool retry = false) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.batch.empty()) return {};
  if (st.refused && !retry) return refused_now(st);
  auto writes = coalesce_writes(st.batch);  // a copy: kept if the store refuses it
  const auto started = std::chrono::steady_clock::now();
  void_reply result = st.backend->apply(writes);
  if (!result && result.error_value().code == error_code::unavailable) {
    keep_refused(self, result.error_value());
    return result;
  }
  st.stats.record(writes.size(), std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started));
  st.batch.clear();
  st.batch_awaited.clear();
  st.latest_in_batch.clear();
  if (st.refused) {
    const auto report = st.limits.outage->current();
    st.refused = false;
    st.limits.outage->ended();
    spdlog::info("store: the store takes writes again{}; {} kept writes are stored",
                 report ? fmt::format(" after {} ms and {} refused commits",
                                      std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - report->since)
                                          .count(),
                                      report->tries)
                        : std::string{},
                 writes.size());
  }
  if (result && !st.limits.results_dir.empty()) {
    std::vector<job_id> erased;
    for (const auto& w : writes)
      if (const auto* e = std::get_if<erase_job>(&w)) erased.push_back(e->id);
    remove_result_files(st.limits.results_dir, erased);
  }
  if (!result)  // the waiting callers hear of it; fire-and-forget writers do not
    spdlog::error("store: a batch of {} writes failed: {}", writes.size(),
                  result.error_value().message);
  answer_waiting(self, result);
  return result;
}

// Logs each job the store cannot read the first time a list meets it: a
// listing page after page must not repeat it for every caller.
// The reader actor that takes the next read, if the store has readers.
const caf::actor* next_reader(store_writer_state& st) {
  if (st.readers.empty()) return nullptr;
  const auto* r = &st.readers[st.next_reader];
  st.next_reader = (st.next_reader + 1) % st.readers.size();
  return r;
}

// The job as the open batch last writes it, if it does.
std::optional<job_reply> batched_version(const store_writer_state& st, const job_id& id) {
  auto at = st.latest_in_batch.find(id);
  if (at == st.latest_in_batch.end()) return std::nullopt;
  if (const auto* put = std::get_if<put_job>(&st.batch[at->second])) return job{*put->snapshot};
  return job_reply{error{error_code::not_found, "no job " + to_string(id)}};
}

void append(store_writer_state& st, std::vector<store_write>& writes, bool awaited) {
  for (auto& w : writes) {
    if (const auto* put = std::get_if<put_job>(&w)) {
      if (put->snapshot)  // a bad put fails the batch, not a read
        st.latest_in_batch[put->snapshot->id] = st.batch.size();
    } else if (const auto* erase = std::get_if<erase_job>(&w)) {
      st.latest_in_batch[erase->id] = st.batch.size();
    }
    st.batch.push_back(std::move(w));
    st.batch_awaited.push_back(awaited);
  }
}

// After writes joined the batch: commits now when it is full, soon when
// somebody waits for it (or no delay is set), else once the idle delay ends.
void schedule_commit(writer* self, bool awaited) {
  auto& st = self->state;
  if (st.refused) return;  // the retry takes it along
  if (st.batch.size() >= st.limits.max_batch) {
    static_cast<void>(commit(self));
  } else if (awaited || st.limits.idle_commit_delay.count() == 0) {
    if (!st.flush_pending) {
      // The flush goes to the back of the mailbox: every write already
      // queued joins this batch before it commits.
      st.flush_pending = true;
      self->send(self, flush_atom::value);
    }
  } else if (!st.delayed_flush_armed) {
    st.delayed_flush_armed = true;
    self->delayed_send(self, st.limits.idle_commit_delay, flush_atom::value, true);
  }
}

}  // namespace

caf::behavior store_writer(writer* self, std::shared_ptr<store> backend,
                           store_writer_limits limits) {
  self->state.backend = std::move(backend);
  self->state.limits = limits;
  if (!self->state.limits.outage) self->state.limits.outage = std::make_shared<store_outage>();
  // Linked: they end with the writer. Detached: a read waits for the database.
  for (auto& reader : self->state.limits.readers)
    self->state.readers.push_back(
        self->state.limits.detached_readers
            ? self->spawn<caf::detached + caf::linked>(store_reader_actor, std::move(reader))
            : self->spawn<caf::linked>(store_reader_actor, std::move(reader)));
  self->state.limits.readers.clear();
  self->set_exit_handler([=](caf::exit_msg& msg) {
    // What was accepted gets written before we go (one more try if the
    // store refused it: the jobs it concerns are recovered from what the
    // store holds otherwise, as after a crash).
    if (auto done = commit(self, true); !done && self->state.refused)
      spdlog::error("store: {} writes could not be stored before the exit: {}",
                    self->state.batch.size(), done.error_value().message);
    self->quit(msg.reason);
  });
  return {
      [=](persist_atom, std::vector<store_write>& writes) -> caf::result<void_reply> {
        auto& st = self->state;
        // A sender waits for the acknowledgement; a write sent anonymously
        // (fire and forget) is not waited for.
        const bool awaited = self->current_sender() != nullptr;
        if (awaited && st.refused) return void_reply{refused_now(st)};
        append(st, writes, awaited);
        auto promise = self->make_response_promise();
        if (awaited) st.waiting.push_back(promise);
        schedule_commit(self, awaited);
        return promise;
      },
      [=](persist_submission_atom, std::vector<store_write>& writes, submit_result& answer,
          const caf::actor& scheduler) -> caf::result<submit_reply> {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        if (st.refused) {  // the scheduler took it before it heard of the outage
          self->send(scheduler, submissions_committed_atom::value,
                     std::vector<job_id>{answer.value.id}, void_reply{refused_now(st)});
          promise.deliver(submit_reply{refused_now(st)});
          return promise;
        }
        append(st, writes, true);
        st.submissions.push_back({promise, std::move(answer), scheduler});
        schedule_commit(self, true);
        return promise;
      },
      [=](flush_atom) { static_cast<void>(commit(self)); },
      [=](flush_atom, bool) {
        self->state.delayed_flush_armed = false;
        static_cast<void>(commit(self));
      },
      [=](store_retry_atom) { static_cast<void>(commit(self, true)); },
      [=](sync_atom) -> void_reply { return commit(self); },
      [=](stats_atom) -> store_writer_stats { return self->state.stats; },
      [=](count_atom) -> counts_reply {
        static_cast<void>(commit(self));
        return self->state.backend->count_by_status();
      },
      [=](prune_atom, std::int64_t cutoff_ms, std::size_t limit) -> count_reply {
        if (auto ok = commit(self); !ok) return std::move(ok).error_value();
        auto pruned = self->state.backend->prune_finished(from_unix_ms(cutoff_ms), limit);
        if (!pruned) return std::move(pruned).error_value();
        remove_result_files(self->state.limits.results_dir, *pruned);
        return pruned->size();
      },
      [=](fetch_atom, const job_id& id) -> caf::result<job_reply> {
        static_cast<void>(commit(self));  // reads see every write that arrived before them
        auto& st = self->state;
        // Left in the batch while the store refuses writes: newer than what it holds.
        if (auto kept = batched_version(st, id)) return std::move(*kept);
        if (const auto* reader = next_reader(st)) {
          auto promise = self->make_response_promise();
          promise.delegate(*reader, fetch_atom::value, id);
          return promise;
        }
        auto found = self->state.backend->get(id);
        if (!found) return std::move(found).error_value();
        if (!found.value()) return error{error_code::not_found, "no job " + to_string(id)};
        return std::move(*found.value());
      },
      [=](read_atom, const job_id& id) -> job_reply {
        // Ahead of the commit: the writer of the next move needs the job as
        // it was last written, and a commit per read would end group commit.
        auto& st = self->state;
        if (auto batched = batched_version(st, id)) return std::move(*batched);
        auto found = st.backend->get(id);
        if (!found) return std::move(found).error_value();
        if (!found.value()) return error{error_code::not_found, "no job " + to_string(id)};
        return std::move(*found.value());
      },
      [=](list_atom, const job_query& query) -> caf::result<page_reply> {
        static_cast<void>(commit(self));
        if (const auto* reader = next_reader(self->state)) {
          auto promise = self->make_response_promise();
          promise.delegate(*reader, list_atom::value, query);
          return promise;
        }
        auto page = self->state.backend->list(query);
        if (page) report_unreadable(self->state.reported_unreadable, page->unreadable);
        return page;
      },
  };
}

}  // namespace jobforge

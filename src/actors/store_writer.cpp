#include "actors/store_writer.hpp"

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"
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

// Commits the open batch (if any) and answers everyone who waits for it.
void_reply commit(writer* self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.batch.empty()) return {};
  auto writes = coalesce_writes(std::move(st.batch));
  st.batch.clear();
  st.latest_in_batch.clear();
  const auto started = std::chrono::steady_clock::now();
  void_reply result = st.backend->apply(writes);
  st.stats.record(writes.size(), std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started));
  if (result && !st.limits.results_dir.empty()) {
    std::vector<job_id> erased;
    for (const auto& w : writes)
      if (const auto* e = std::get_if<erase_job>(&w)) erased.push_back(e->id);
    remove_result_files(st.limits.results_dir, erased);
  }
  if (!result)  // the waiting callers hear of it; fire-and-forget writers do not
    spdlog::error("store: a batch of {} writes failed: {}", writes.size(),
                  result.error_value().message);
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& promise : waiting)
    promise.deliver(result);
  answer_submissions(self, result);
  return result;
}

// Logs each job the store cannot read the first time a list meets it: a
// listing page after page must not repeat it for every caller.
void report_unreadable(store_writer_state& st, const std::vector<unreadable_job>& jobs) {
  for (const auto& j : jobs)
    if (st.reported_unreadable.insert(j.id).second)
      spdlog::error("store: job {} is stored but cannot be read, lists show it as unreadable: {}",
                    to_string(j.id), j.reason);
}

void append(store_writer_state& st, std::vector<store_write>& writes) {
  for (auto& w : writes) {
    if (const auto* put = std::get_if<put_job>(&w)) {
      if (put->snapshot)  // a bad put fails the batch, not a read
        st.latest_in_batch[put->snapshot->id] = st.batch.size();
    } else if (const auto* erase = std::get_if<erase_job>(&w)) {
      st.latest_in_batch[erase->id] = st.batch.size();
    }
    st.batch.push_back(std::move(w));
  }
}

// After writes joined the batch: commits now when it is full, soon when
// somebody waits for it (or no delay is set), else once the idle delay ends.
void schedule_commit(writer* self, bool awaited) {
  auto& st = self->state;
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
  self->set_exit_handler([=](caf::exit_msg& msg) {
    static_cast<void>(commit(self));  // what was accepted gets written before we go
    self->quit(msg.reason);
  });
  return {
      [=](persist_atom, std::vector<store_write>& writes) -> caf::result<void_reply> {
        auto& st = self->state;
        append(st, writes);
        // A sender waits for the acknowledgement; a write sent anonymously
        // (fire and forget) is not waited for.
        const bool awaited = self->current_sender() != nullptr;
        auto promise = self->make_response_promise();
        if (awaited) st.waiting.push_back(promise);
        schedule_commit(self, awaited);
        return promise;
      },
      [=](persist_submission_atom, std::vector<store_write>& writes, submit_result& answer,
          const caf::actor& scheduler) -> caf::result<submit_reply> {
        auto& st = self->state;
        append(st, writes);
        auto promise = self->make_response_promise();
        st.submissions.push_back({promise, std::move(answer), scheduler});
        schedule_commit(self, true);
        return promise;
      },
      [=](flush_atom) { static_cast<void>(commit(self)); },
      [=](flush_atom, bool) {
        self->state.delayed_flush_armed = false;
        static_cast<void>(commit(self));
      },
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
      [=](fetch_atom, const job_id& id) -> job_reply {
        static_cast<void>(commit(self));  // reads see every write that arrived before them
        auto found = self->state.backend->get(id);
        if (!found) return std::move(found).error_value();
        if (!found.value()) return error{error_code::not_found, "no job " + to_string(id)};
        return std::move(*found.value());
      },
      [=](read_atom, const job_id& id) -> job_reply {
        // Ahead of the commit: the writer of the next move needs the job as
        // it was last written, and a commit per read would end group commit.
        auto& st = self->state;
        if (auto at = st.latest_in_batch.find(id); at != st.latest_in_batch.end()) {
          if (const auto* put = std::get_if<put_job>(&st.batch[at->second]))
            return job{*put->snapshot};
          return error{error_code::not_found, "no job " + to_string(id)};
        }
        auto found = st.backend->get(id);
        if (!found) return std::move(found).error_value();
        if (!found.value()) return error{error_code::not_found, "no job " + to_string(id)};
        return std::move(*found.value());
      },
      [=](list_atom, const job_query& query) -> page_reply {
        static_cast<void>(commit(self));
        auto page = self->state.backend->list(query);
        if (page) report_unreadable(self->state, page->unreadable);
        return page;
      },
  };
}

}  // namespace jobforge

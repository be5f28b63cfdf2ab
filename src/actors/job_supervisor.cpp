#include "actors/job_supervisor.hpp"

#include "actors/deadline_keeper.hpp"
#include "actors/event_hub.hpp"
#include "actors/outcome_results.hpp"
#include "actors/send_after.hpp"
#include "actors/spdlog_level.hpp"
#include "actors/webhook_outbox.hpp"
#include "model/retry_policy.hpp"
#include "model/token_bucket.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <utility>

namespace jobforge {
namespace {

using supervisor = caf::stateful_actor<job_supervisor_state>;

/// A line of the job's lifecycle in the process's log, with the job's id,
/// type and attempt as fields (the shape logging.hpp splits into JSON fields).
void log_lifecycle(supervisor* self, spdlog::level::level_enum level, int attempt,
                   const std::string& message) {
  const auto& j = self->state.current;
  spdlog::log(level, "job={} type={} attempt={} {}", to_string(j.id), j.type, attempt, message);
}

std::string describe(const job_error& e) {
  return std::string(to_string(e.kind)) + " " + e.code + ": " + e.message;
}

timestamp now(supervisor* self) {
  return self->state.env->clock.at(self->clock().now());
}

void persist(supervisor* self) {
  auto& st = self->state;
  // Fire and forget: nobody waits for this acknowledgement.
  caf::anon_send(st.env->store, persist_atom::value,
                 std::vector<store_write>{put_job{std::make_shared<const job>(st.current)}});
}

void move_to(supervisor* self, job_status to, transition_note note = {}) {
  auto& st = self->state;
  // The node an attempt runs on names the changes it makes.
  if (note.node.empty()) note.node = st.executor ? st.executor_node : st.env->config.node;
  if (auto ok = transition(st.current, to, now(self), note); !ok) {
    // Only a bug gets here; the job stays as it was and says so in the log.
    spdlog::error("job {}: {}", to_string(st.current.id), ok.error_value().message);
    return;
  }
  std::vector<job_ptr> deliveries;
  caf::anon_send(
      st.env->store, persist_atom::value,
      change_writes(*st.env, std::make_shared<const job>(st.current), now(self), deliveries));
  if (!deliveries.empty())
    caf::anon_send(st.env->scheduler, admit_atom::value, std::move(deliveries));
  publish_change(self, *st.env, st.current);
}

void give_back_executor(supervisor* self);

result_file_settings results_of(const runtime_env& env) {
  return result_file_settings{env.config.results_dir, env.config.max_inline_result_bytes};
}

// A partial result of an attempt that ended otherwise is not kept.
void drop_incoming(supervisor* self) {
  auto& st = self->state;
  if (st.incoming.active()) st.incoming.discard(results_of(*st.env), st.current.id);
}

void finish(supervisor* self) {
  auto& st = self->state;
  drop_incoming(self);
  // The end first, then the slot: the dependents it releases are queued
  // by the time the slot is free, so a critical child gets its parent's
  // executor rather than whatever waited meanwhile.
  self->send(st.env->scheduler, finished_atom::value, std::make_shared<const job>(st.current));
  give_back_executor(self);
  self->quit();
}

void give_back_executor(supervisor* self) {
  auto& st = self->state;
  if (!st.executor) return;
  if (st.executor_stuck)
    self->send(st.env->scheduler, lost_atom::value, st.executor);
  else
    self->send(st.env->scheduler, released_atom::value, st.executor);
  st.executor = nullptr;
  st.executor_node.clear();
  st.link = nullptr;
  st.executor_stuck = false;
  st.running_attempt = 0;
}

void finish_canceled(supervisor* self) {
  auto& st = self->state;
  const cancel_request req = *st.canceling;
  log_lifecycle(self, spdlog::level::info, st.current.attempts,
                "canceled" + (req.by.empty() ? std::string() : " by " + req.by) +
                    (req.reason.empty() ? std::string() : ": " + req.reason));
  move_to(self, job_status::canceled, transition_note{std::nullopt, {}, req.reason, req.by});
  finish(self);
}

void handle_failure(supervisor* self, job_error e) {
  auto& st = self->state;
  if (st.timed_out && e.kind != error_kind::permanent) {
    e.kind = error_kind::timeout;
    e.code = "timeout";
  }
  // Since its last replay, if any: a replay's round has its own budget and backoff.
  const int base = attempts_before_replay(st.current);
  const timestamp at = now(self);
  const retry_window window{st.current.max_retry_ms,
                            at - retry_window_start(st.current).value_or(at)};
  const auto decision = decide_retry(st.current.retry, st.current.attempts - base,
                                     st.current.max_attempts - base, e, *st.env->rng, window);
  const int attempt = st.current.attempts;
  if (decision.out_of_time) {
    e = retry_time_exhausted(e, window, decision.delay);
    log_lifecycle(self, spdlog::level::warn, attempt,
                  "failed for good: " + e.message + "; it is in the dead-letter queue");
    move_to(self, job_status::failed, transition_note{std::move(e), {}, {}, {}});
    finish(self);
    return;
  }
  if (!decision.retry) {
    log_lifecycle(
        self, spdlog::level::warn, attempt,
        "failed for good (" + describe(e) + "): " +
            (e.kind == error_kind::permanent ? std::string("a permanent error")
                                             : "attempt " + std::to_string(attempt) + " of " +
                                                   std::to_string(st.current.max_attempts)) +
            "; it is in the dead-letter queue");
    move_to(self, job_status::failed, transition_note{std::move(e), {}, {}, {}});
    finish(self);
    return;
  }
  log_lifecycle(self, e.kind == error_kind::crash ? spdlog::level::warn : spdlog::level::info,
                attempt,
                "attempt " + std::to_string(attempt) + " of " +
                    std::to_string(st.current.max_attempts) + " failed (" + describe(e) +
                    "); retry in " + std::to_string(decision.delay.count()) + " ms");
  // Stored with the job, so that recovery re-arms the backoff for what is left of it.
  st.current.next_attempt_at = now(self) + decision.delay;
  move_to(self, job_status::retrying, transition_note{std::move(e), {}, {}, {}});
  give_back_executor(self);
  send_after(self, caf::actor_cast<caf::actor>(self), decision.delay, retry_due_atom::value,
             st.current.attempts);
}

void start_attempt(supervisor* self, executor_ref ex) {
  auto& st = self->state;
  drop_incoming(self);
  st.executor = std::move(ex.actor);
  st.executor_node = std::move(ex.node);
  st.link = std::move(ex.link);
  st.timed_out = false;
  move_to(self, job_status::running);
  st.running_attempt = st.current.attempts;
  st.lease = attempt_lease{ex.session, st.env->cluster->next_lease()};
  if (ex.session != 0) st.env->cluster->remote_dispatches.fetch_add(1, std::memory_order_relaxed);
  const timestamp started = now(self);
  const milliseconds timeout{st.current.timeout_ms};
  attempt_order order{st.current.id,
                      st.running_attempt,
                      st.current.type,
                      st.current.payload,
                      st.current.checkpoint,
                      started,
                      started + timeout,
                      caf::actor_cast<caf::actor>(self),
                      st.lease};
  // Kept by the deadline keeper, which drops them when this supervisor
  // ends (a delayed message would keep it in memory until it fires).
  // Armed before the order goes: a deadline is due before a handler that
  // stops at the same instant reports it.
  const double share = st.env->config.timeout_warning_share;
  const timestamp due = started + timeout;
  const timestamp warn = share > 0 && share < 1
                             ? started + milliseconds{static_cast<std::int64_t>(
                                             static_cast<double>(timeout.count()) * share)}
                             : due;
  self->send(st.env->deadlines, arm_deadlines_atom::value, st.current.id,
             caf::actor_cast<caf::actor>(self), st.running_attempt, to_unix_ms(warn),
             to_unix_ms(due));
  if (st.link)
    self->send(st.link, attempt_atom::value, st.executor, std::move(order));
  else
    self->send(st.executor, attempt_atom::value, std::move(order));
}

void apply_progress(supervisor* self, const job_progress& p, const boost::json::value& checkpoint,
                    bool checkpoint_saved) {
  auto& st = self->state;
  job_progress updated = p;
  // A worker node's clock may be off: the time of a remote report is when
  // it arrives, so that its ETA is measured on one clock.
  if (st.lease.session != 0) updated.updated_at = now(self);
  if (st.current.started_at)
    updated.eta_ms = estimate_eta_ms(p.percent, p.updated_at - *st.current.started_at);
  st.current.progress = updated;
  if (checkpoint_saved) st.current.checkpoint = checkpoint;
}

/// Whether a report belongs to the attempt in flight; a stale lease (an
/// attempt given up on, e.g. with its node, that reports after all) is
/// counted and dropped.
bool current(supervisor* self, int attempt, const attempt_lease& lease) {
  auto& st = self->state;
  if (lease != st.lease) {
    st.env->cluster->stale_reports.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("job {}: dropped a report of attempt {} from a lease no longer current",
                 to_string(st.current.id), attempt);
    return false;
  }
  return attempt == st.running_attempt && st.running_attempt != 0;
}

void on_outcome(supervisor* self, attempt_outcome& out) {
  auto& st = self->state;
  if (!current(self, out.attempt, out.lease) || st.current.status != job_status::running)
    return;                // stale
  st.running_attempt = 0;  // the executor goes back once the outcome is recorded
  if (out.progress)
    apply_progress(self, *out.progress, out.checkpoint, out.checkpoint_saved);
  else if (out.checkpoint_saved)
    st.current.checkpoint = out.checkpoint;
  if (out.stopped == stop_reason::timeout) st.timed_out = true;
  if (st.canceling) {
    // A canceled job never reports completed, whatever its handler returned.
    finish_canceled(self);
    return;
  }
  if (out.streamed) {
    // Its pieces came before it (result_chunk_atom).
    auto kept = st.incoming.finish(results_of(*st.env), st.current.id, *out.streamed);
    if (kept)
      out.result_file = std::move(kept).value();
    else
      out.result = handler_result::transient(
          "result_not_stored", "the result could not be stored: " + kept.error_value().message);
  } else if (out.lease.session != 0 && !st.env->config.results_dir.empty()) {
    // A worker node has no results folder: a JSON result of up to one chunk
    // comes back inline and is kept here as a local executor would keep it.
    keep_large_result(st.current.id, results_of(*st.env), out);
  }
  if (out.result.succeeded()) {
    st.current.result = std::move(out.result.value());
    st.current.result_file = std::move(out.result_file);
    move_to(self, job_status::completed);
    finish(self);
    return;
  }
  handle_failure(self, out.result.error());
}

// A line a handler logged goes to the job's log book (and its stream). One
// logged on a worker node also goes to this process's log, as a local
// attempt's line does (its context wrote that one already), with the node named.
void on_log(supervisor* self, const attempt_log& line) {
  auto& st = self->state;
  if (!current(self, line.attempt, line.lease)) return;
  publish_log(self, *st.env, st.current,
              job_log_line{now(self), line.attempt, line.level, line.text, line.held_back});
  if (line.lease.session == 0) return;
  const auto prefix = fmt::format("job={} type={} attempt={} node={}", to_string(st.current.id),
                                  st.current.type, line.attempt, st.executor_node);
  if (line.held_back > 0)
    spdlog::warn(
        "{} {} log lines of this attempt were over the forwarding limit: they are only in "
        "the node's own log",
        prefix, line.held_back);
  if (line.text.empty()) return;
  spdlog::log(spdlog_level(line.level), "{} {}", prefix, line.text);
}

void stop_running_attempt(supervisor* self, stop_reason reason) {
  auto& st = self->state;
  if (st.link)
    self->send(st.link, stop_atom::value, st.executor, st.current.id, st.running_attempt, reason);
  else
    self->send(st.executor, stop_atom::value, st.current.id, st.running_attempt, reason);
}

void on_cancel(supervisor* self, const cancel_request& req) {
  auto& st = self->state;
  const bool already = st.canceling.has_value();
  st.canceling = req;
  if (!st.loaded) return;  // applied once the job is read
  if (st.current.status != job_status::running || !st.executor) {
    finish_canceled(self);
    return;
  }
  if (req.mode == cancel_mode::forced) {
    stop_running_attempt(self, stop_reason::canceled);
    st.executor_stuck = true;  // its handler may run on: do not reuse it
    finish_canceled(self);
    return;
  }
  if (already) return;  // a graceful cancel is already waiting
  stop_running_attempt(self, stop_reason::canceled);
  send_after(self, caf::actor_cast<caf::actor>(self), st.env->config.cancel_grace,
             grace_atom::value, st.running_attempt);
}

// The executor of the running attempt is gone with its node: the attempt
// is lost. Like an attempt a crash interrupted, the job runs again, but a
// job that has used all its attempts this way fails (kind node_lost), so
// that a job that kills every node it touches ends in the dead-letter queue.
void on_executor_lost(supervisor* self, const caf::actor_addr& ex, const std::string& node) {
  auto& st = self->state;
  if (!st.executor || st.executor.address() != ex) return;
  st.env->cluster->node_losses_seen.fetch_add(1, std::memory_order_relaxed);
  // Not given back: the scheduler has already dropped the slot.
  st.executor = nullptr;
  st.executor_node.clear();
  st.executor_stuck = false;
  const int attempt = st.running_attempt;
  st.running_attempt = 0;
  st.lease = attempt_lease{};
  if (st.current.status != job_status::running) return;
  if (st.canceling) {
    finish_canceled(self);
    return;
  }
  job_error e{"node_lost",
              "node " + node + " was lost while it ran attempt " + std::to_string(attempt),
              error_kind::node_lost};
  log_lifecycle(
      self, spdlog::level::warn, attempt,
      e.message + (st.current.attempts >= st.current.max_attempts ? "; no attempt is left: it fails"
                                                                  : "; it runs again"));
  if (st.current.attempts >= st.current.max_attempts) {
    move_to(self, job_status::failed, transition_note{std::move(e), node, {}, {}});
    finish(self);
    return;
  }
  // It goes back where it waited before this attempt, not behind the queue.
  timestamp since = now(self);
  for (auto h = st.current.history.rbegin(); h != st.current.history.rend(); ++h)
    if (h->to == job_status::pending) {
      since = h->at;
      break;
    }
  move_to(self, job_status::pending,
          transition_note{std::move(e), node, "its node was lost; it runs again", {}});
  self->send(st.env->scheduler, requeue_atom::value, st.current.id, st.current.priority,
             to_unix_ms(since));
}

// The job is in: start its first attempt, unless a cancellation or the end
// of a drain came first.
void begin(supervisor* self, executor_ref first_executor) {
  auto& st = self->state;
  st.loaded = true;
  st.executor = first_executor.actor;  // given back by whatever ends it now
  st.executor_node = first_executor.node;
  if (st.canceling) {
    finish_canceled(self);
    return;
  }
  if (st.interrupted || st.current.status != job_status::pending) {
    // Draining (the job stays pending for the next start), or a job that
    // is not the pending one the scheduler meant: leave it as it is.
    if (!st.interrupted)
      spdlog::error("job {}: dispatched while {}", to_string(st.current.id),
                    to_string(st.current.status));
    give_back_executor(self);
    self->quit();
    return;
  }
  st.executor = nullptr;
  start_attempt(self, std::move(first_executor));
}

// Reads the job from the store writer, which has every write made before
// the dispatch (the scheduler sent them before spawning us). `waited` is
// how long the previous failed read was followed by a wait (0: none yet).
void read_job(supervisor* self, const job_id& id, milliseconds waited = milliseconds{0}) {
  auto& st = self->state;
  self->request(st.env->store, caf::infinite, read_atom::value, id).then([=](job_reply& r) {
    auto& s = self->state;
    if (!r) {
      // Read it again later, keeping the executor slot: the job is the
      // scheduler's to run, and a store that cannot be read holds up
      // everything else as well. Ending here would leave the job with a
      // dead supervisor until a restart.
      const milliseconds delay = next_reread_delay(waited);
      spdlog::error("job {}: cannot be read for its attempt ({}); reading it again in {} ms",
                    to_string(id), r.error_value().message, delay.count());
      send_after(self, caf::actor_cast<caf::actor>(self), delay, reread_atom::value,
                 static_cast<std::int64_t>(delay.count()));
      return;
    }
    s.current = std::move(r.value());
    begin(self, std::move(s.first_executor));
  });
}

}  // namespace

caf::behavior job_supervisor(supervisor* self, env_ptr env, job_id id, job_ptr j,
                             executor_ref first_executor) {
  self->state.env = std::move(env);
  if (auto keeper = self->state.env->deadlines)
    self->attach_functor(
        [keeper, id] { caf::anon_send(keeper, disarm_deadlines_atom::value, id); });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (auto req = parse_cancel_reason(msg.reason)) {
      on_cancel(self, *req);
      return;
    }
    // Anything else (the runtime going away) ends the supervisor as is;
    // the job stays where the store has it and recovery picks it up.
    self->quit(msg.reason);
  });
  if (j) {
    self->state.current = *j;
    begin(self, std::move(first_executor));
  } else {
    self->state.first_executor = std::move(first_executor);
    read_job(self, id);
  }
  return {
      [=](reread_atom, std::int64_t waited_ms) {
        auto& st = self->state;
        if (st.loaded) return;
        if (st.interrupted) {
          // The drain is over: the job stays pending for the next start.
          st.loaded = true;
          st.current.id = id;
          st.executor = std::move(st.first_executor.actor);
          give_back_executor(self);
          self->quit();
          return;
        }
        read_job(self, id, milliseconds{waited_ms});
      },
      [=](run_atom, executor_ref& ex) {
        if (self->state.loaded && self->state.current.status == job_status::pending) {
          start_attempt(self, std::move(ex));
        } else {
          self->send(self->state.env->scheduler, released_atom::value, ex.actor);
        }
      },
      [=](executor_lost_atom, const caf::actor_addr& ex, const std::string& node) {
        on_executor_lost(self, ex, node);
      },
      [=](outcome_atom, attempt_outcome& out) { on_outcome(self, out); },
      [=](result_chunk_atom, const result_chunk& chunk) {
        if (!current(self, chunk.attempt, chunk.lease)) return;
        self->state.incoming.add(results_of(*self->state.env), chunk);
      },
      [=](log_atom, const attempt_log& line) { on_log(self, line); },
      [=](progress_atom, const progress_report& r) {
        auto& st = self->state;
        if (!current(self, r.attempt, r.lease)) return;
        apply_progress(self, r.progress, r.checkpoint, r.checkpoint_saved);
        persist(self);
        const auto& p = *st.current.progress;
        publish(self, *st.env,
                job_event{job_event::kind::progress, 0, st.current.id, st.current.type,
                          st.current.tenant, std::nullopt, st.current.status, st.running_attempt,
                          std::nullopt, p, p.updated_at, milliseconds{0}, nullptr, nullptr});
      },
      [=](timeout_warning_atom, int attempt) {
        auto& st = self->state;
        if (attempt != st.running_attempt || st.timed_out || st.canceling) return;
        const auto used = static_cast<std::int64_t>(static_cast<double>(st.current.timeout_ms) *
                                                    st.env->config.timeout_warning_share);
        const std::string text = "attempt " + std::to_string(attempt) + " has run " +
                                 std::to_string(used) + " ms of its " +
                                 std::to_string(st.current.timeout_ms) + " ms timeout";
        // In the job's log book and on its event stream (event: log, level
        // warn), and in the process's log.
        publish_log(self, *st.env, st.current,
                    job_log_line{now(self), attempt, log_level::warn, text, 0});
        log_lifecycle(self, spdlog::level::warn, attempt, text);
      },
      [=](deadline_atom, int attempt) {
        auto& st = self->state;
        if (attempt != st.running_attempt || st.timed_out) return;
        st.timed_out = true;
        log_lifecycle(self, spdlog::level::warn, attempt,
                      "timed out after " + std::to_string(st.current.timeout_ms) +
                          " ms: the handler is asked to stop (abandoned after " +
                          std::to_string(st.env->config.timeout_grace.count()) + " ms more)");
        stop_running_attempt(self, stop_reason::timeout);
        send_after(self, caf::actor_cast<caf::actor>(self), st.env->config.timeout_grace,
                   grace_atom::value, attempt);
      },
      [=](grace_atom, int attempt) {
        auto& st = self->state;
        if (attempt != st.running_attempt) return;
        // The handler ignored its stop token: abandon it; the scheduler
        // replaces the executor and the slot is reused.
        log_lifecycle(self, spdlog::level::err, attempt,
                      "the handler did not stop within " +
                          std::to_string((st.canceling ? st.env->config.cancel_grace
                                                       : st.env->config.timeout_grace)
                                             .count()) +
                          " ms: its executor is abandoned and replaced");
        st.executor_stuck = true;
        st.running_attempt = 0;
        if (st.canceling) {
          finish_canceled(self);
          return;
        }
        handle_failure(self, job_error{"timeout",
                                       "the handler did not stop within the grace period after its "
                                       "deadline and was abandoned",
                                       error_kind::timeout});
      },
      [=](interrupt_atom) {
        // The runtime is draining and its grace is over.
        auto& st = self->state;
        if (!st.loaded) st.interrupted = true;
        if (st.current.status != job_status::running || !st.executor) return;
        if (st.canceling) {
          on_cancel(self,
                    cancel_request{cancel_mode::forced, st.canceling->reason, st.canceling->by});
          return;
        }
        stop_running_attempt(self, stop_reason::shutdown);
        move_to(self, job_status::pending,
                transition_note{std::nullopt, {}, "interrupted by shutdown", {}});
        // Not `lost`: no replacement executor is wanted while shutting down.
        give_back_executor(self);
        self->quit();
      },
      [=](retry_due_atom, int attempt) {
        auto& st = self->state;
        if (st.current.status != job_status::retrying || st.current.attempts != attempt) return;
        move_to(self, job_status::pending);
        self->send(st.env->scheduler, requeue_atom::value, st.current.id, st.current.priority);
      },
  };
}

}  // namespace jobforge

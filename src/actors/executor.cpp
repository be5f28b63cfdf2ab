#include "actors/executor.hpp"

#include "actors/attempt_context.hpp"
#include "actors/outcome_results.hpp"
#include "actors/protocol.hpp"
#include "actors/send_after.hpp"

#include <caf/all.hpp>

namespace jobforge {
namespace {

attempt_outcome run_attempt(const attempt_order& order, const job_type* type, attempt_context& ctx,
                            const result_file_settings& results, bool stream_results) {
  attempt_outcome out;
  out.attempt = order.attempt;
  out.lease = order.lease;
  // The scheduler places a job only on a node that announced its type, so
  // an unknown one is a bug: the attempt crashes instead of the executor.
  out.result =
      type ? invoke_handler(type->handler, ctx, order.payload)
           : handler_result::failure({"unknown_type",
                                      "this node has no handler for job type '" + order.type + "'",
                                      error_kind::crash});
  ctx.finish(out);  // first: it may fail the attempt, whose result is then not kept
  if (stream_results)
    stream_large_result(order, out);
  else
    keep_large_result(order.id, results, out);
  return out;
}

}  // namespace

caf::behavior executor(caf::stateful_actor<executor_state>* self, env_ptr env) {
  if (env->config.mode == execution_mode::threads)
    self->state.worker = std::make_unique<worker_thread>();
  const attempt_settings settings{
      env->config.mode, env->config.progress_interval,
      result_file_settings{env->config.results_dir, env->config.max_inline_result_bytes}};
  return {
      [=](attempt_atom, attempt_order& order) {
        auto& st = self->state;
        stop_source source;
        st.current_stop = source;
        st.current_attempt = order.attempt;
        st.current_job = order.id;
        const job_type* type = env->types->find(order.type);
        if (st.worker) {
          // An abandoned handler may outlive the runtime: the task keeps the
          // job types alive (the handler is one of them) but no actor handle,
          // which would keep the detached store writer from ending.
          st.worker->post([order = std::move(order), type, source, settings, types = env->types,
                           stream = env->config.stream_results]() mutable {
            attempt_context ctx(order, source, settings);
            auto out = run_attempt(order, type, ctx, settings.results, stream);
            caf::anon_send(order.supervisor, outcome_atom::value, std::move(out));
          });
          return;
        }
        attempt_context ctx(order, source, settings);
        auto out = run_attempt(order, type, ctx, settings.results, false);
        for (const auto& [offset, report] : ctx.simulated_reports())
          send_after(self, order.supervisor, offset, progress_atom::value, report);
        for (const auto& [offset, line] : ctx.simulated_logs())
          send_after(self, order.supervisor, offset, log_atom::value, line);
        send_after(self, order.supervisor, ctx.simulated_elapsed(), outcome_atom::value,
                   std::move(out));
      },
      [=](stop_atom, const job_id& id, int attempt, stop_reason reason) {
        auto& st = self->state;
        if (st.current_stop && st.current_job == id && st.current_attempt == attempt)
          st.current_stop->request_stop(reason);
      },
  };
}

}  // namespace jobforge

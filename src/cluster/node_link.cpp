#include "cluster/node_link.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace jobforge {
namespace {

using link = caf::stateful_actor<node_link_state>;

void flush(link* self) {
  auto& st = self->state;
  if (st.queued.empty()) return;
  self->send(st.agent, attempt_atom::value, st.queued.take());
  st.env->cluster->order_messages.fetch_add(1, std::memory_order_relaxed);
}

// The supervisor of `lease`, or null (counted and logged) when no attempt
// in flight has it: a report from an attempt that was given up.
caf::actor supervisor_of(link* self, const attempt_lease& lease, const char* what) {
  auto& st = self->state;
  auto it =
      lease.session == st.session ? st.supervisors.find(lease.sequence) : st.supervisors.end();
  if (it != st.supervisors.end()) return it->second;
  st.env->cluster->stale_reports.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("cluster: dropped {} of lease {:x}/{} from node session {:x}: no attempt of it runs",
               what, lease.session, lease.sequence, st.session);
  return nullptr;
}

}  // namespace

caf::behavior node_link(link* self, env_ptr env, caf::actor agent, std::uint64_t session) {
  auto& st = self->state;
  st.env = std::move(env);
  st.agent = std::move(agent);
  st.session = session;
  // Only this process may stop the link: the node holds its handle.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.source && msg.source.node() != self->node()) {
      spdlog::warn("cluster: ignored an exit sent by a peer");
      return;
    }
    self->quit(msg.reason);
  });
  self->send(st.agent, link_atom::value, caf::actor_cast<caf::actor>(self));
  return {
      [=](attempt_atom, caf::actor& executor, attempt_order& order) {
        auto& s = self->state;
        if (!executor) return;
        const auto sequence = order.lease.sequence;
        auto [previous, fresh] = s.lease_of_executor.try_emplace(executor.address(), sequence);
        if (!fresh) {
          s.supervisors.erase(previous->second);
          previous->second = sequence;
        }
        s.supervisors[sequence] = std::move(order.supervisor);
        order.supervisor = nullptr;  // the node answers its agent, which answers here
        if (s.queued.add(self, routed_order{std::move(executor), std::move(order)})) flush(self);
      },
      [=](flush_atom) {
        self->state.queued.flushed();
        flush(self);
      },
      [=](stop_atom, caf::actor& executor, const job_id& id, int attempt, stop_reason reason) {
        flush(self);  // the order this stop is about goes first
        self->send(self->state.agent, stop_atom::value, std::move(executor), id, attempt, reason);
      },
      [=](outcome_atom, std::vector<attempt_outcome>& outcomes) {
        auto& s = self->state;
        s.env->cluster->outcome_messages.fetch_add(1, std::memory_order_relaxed);
        for (auto& out : outcomes) {
          auto sup = supervisor_of(self, out.lease, "an outcome");
          if (!sup) continue;
          s.supervisors.erase(out.lease.sequence);
          self->send(sup, outcome_atom::value, std::move(out));
        }
      },
      [=](progress_atom, progress_report& report) {
        if (auto sup = supervisor_of(self, report.lease, "a progress report"))
          self->send(sup, progress_atom::value, std::move(report));
      },
      [=](log_atom, attempt_log& line) {
        if (auto sup = supervisor_of(self, line.lease, "a log line"))
          self->send(sup, log_atom::value, std::move(line));
      },
      [=](result_chunk_atom, result_chunk& chunk) {
        if (auto sup = supervisor_of(self, chunk.lease, "a result chunk"))
          self->send(sup, result_chunk_atom::value, std::move(chunk));
      },
  };
}

}  // namespace jobforge

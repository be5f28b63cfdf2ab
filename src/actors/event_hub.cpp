#include "actors/event_hub.hpp"

#include "actors/protocol.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace jobforge {

caf::behavior event_hub(caf::stateful_actor<event_hub_state>* self, env_ptr env) {
  auto drop = [=](const caf::actor_addr& who) {
    auto& subs = self->state.subscribers;
    auto it = std::remove_if(subs.begin(), subs.end(),
                             [&](const caf::actor& a) { return a.address() == who; });
    const auto removed = static_cast<std::size_t>(std::distance(it, subs.end()));
    subs.erase(it, subs.end());
    env->subscribers->fetch_sub(removed);
  };
  self->set_down_handler([=](caf::down_msg& dm) { drop(dm.source); });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    // Subscribers end with the runtime: nothing would feed them any more.
    for (const auto& s : self->state.subscribers)
      self->send_exit(s, msg.reason);
    env->subscribers->store(0);
    self->quit(msg.reason);
  });
  return {
      [=](event_atom, job_event& e) {
        if (e.what == job_event::kind::log && e.log) self->state.logs.add(e.id, *e.log);
        if (self->state.subscribers.empty()) return;
        e.sequence = ++self->state.sequence;
        for (const auto& s : self->state.subscribers)
          self->send(s, event_atom::value, e);
      },
      [=](subscribe_atom, const caf::actor& who) -> void_reply {
        self->monitor(who);
        self->state.subscribers.push_back(who);
        env->subscribers->fetch_add(1);
        return {};  // the subscriber sees every event published after this answer
      },
      [=](logs_atom, const job_id& id) { return self->state.logs.get(id); },
      [=](unsubscribe_atom, const caf::actor& who) {
        self->demonitor(who);
        drop(who.address());
      },
  };
}

void publish(caf::event_based_actor* self, const runtime_env& env, job_event event) {
  if (env.subscribers->load(std::memory_order_relaxed) == 0) return;
  self->send(env.events, event_atom::value, std::move(event));
}

namespace {

/// An event of kind `what` naming job `j` (its id, type and tenant).
job_event event_about(job_event::kind what, const job& j) {
  job_event e;
  e.what = what;
  e.id = j.id;
  e.type = j.type;
  e.tenant = j.tenant;
  return e;
}

}  // namespace

void publish_log(caf::event_based_actor* self, const runtime_env& env, const job& j,
                 job_log_line line) {
  auto e = event_about(job_event::kind::log, j);
  e.attempt = line.attempt;
  e.at = line.at;
  e.log = std::make_shared<const job_log_line>(std::move(line));
  self->send(env.events, event_atom::value, std::move(e));
}

void publish_change(caf::event_based_actor* self, const runtime_env& env, const job& j) {
  if (env.subscribers->load(std::memory_order_relaxed) == 0 || j.history.empty()) return;
  const auto& h = j.history.back();
  auto e = event_about(job_event::kind::status, j);
  e.from = h.from;
  e.to = h.to;
  e.attempt = h.attempt;
  e.error = h.error;
  e.at = h.at;
  if (j.history.size() > 1)
    e.in_previous = std::max(milliseconds{0}, h.at - j.history[j.history.size() - 2].at);
  self->send(env.events, event_atom::value, std::move(e));
}

}  // namespace jobforge

#include "testing/simulated_runtime.hpp"

#include "actors/executor.hpp"
#include "actors/executor_pool.hpp"
#include "cluster/cluster_gateway.hpp"
#include "cluster/worker_agent.hpp"
#include "runtime/runtime_core.hpp"

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <map>
#include <stdexcept>
#include <tuple>

namespace jobforge::testing {
namespace {

caf::actor_system_config& simulated_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console", caf::atom("none"));
  return cfg;
}

void probe_actor(caf::event_based_actor* self, std::function<void(caf::event_based_actor*)> start) {
  start(self);
}

}  // namespace

struct simulated_runtime::impl {
  caf::actor_system_config cfg;
  caf::actor_system sys{simulated_config(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  runtime_actors actors;
  std::vector<job_event> events;
  caf::actor recorder;
  /// Each node's executor pool, or executors offered through the gateway.
  std::map<std::pair<std::string, std::uint64_t>, std::vector<caf::actor>> nodes;
  caf::actor gateway;
  std::map<std::string, caf::actor> agents;  ///< each node's latest
  std::vector<caf::actor> replaced_agents;   ///< kept alive, as a restarted node's would be
};

namespace {}  // namespace

template <class Reply, class... Ts>
simulated_runtime::pending<Reply> simulated_runtime::ask(const caf::actor& dest, Ts... xs) {
  pending<Reply> out;
  auto slot = out.slot_;
  // The probe gets its work as a spawn argument (see callback_subscriber in
  // runtime_core.cpp for why not as a capture).
  std::function<void(caf::event_based_actor*)> start =
      [slot, dest, args = std::make_tuple(std::move(xs)...)](caf::event_based_actor* probe) {
        std::apply(
            [&](auto&... a) {
              probe->request(dest, caf::infinite, a...).then([slot](Reply& r) {
                *slot = std::move(r);
              });
            },
            args);
      };
  impl_->sys.spawn(probe_actor, std::move(start));
  run();
  return out;
}

simulated_runtime::simulated_runtime(job_type_registry types, runtime_config config,
                                     std::uint64_t seed, std::shared_ptr<store> backend,
                                     timestamp start)
    : impl_(std::make_unique<impl>()) {
  config.mode = execution_mode::simulated;
  std::shared_ptr<random_source> rng = make_seeded_random(seed);
  auto started =
      start_runtime(impl_->sys, std::make_shared<const job_type_registry>(std::move(types)),
                    std::move(config), std::move(backend), std::move(rng), start);
  if (!started) throw startup_error(std::move(started).error_value());
  impl_->actors = std::move(started).value();
  auto* events = &impl_->events;
  impl_->recorder =
      spawn_subscriber(impl_->sys, [events](const job_event& e) { events->push_back(e); });
  run();
  ask<void_reply>(impl_->actors.events, subscribe_atom::value, impl_->recorder);
}

void simulated_runtime::join_node(const std::string& name, std::uint64_t session,
                                  std::vector<std::string> types, std::size_t count) {
  executor_offer offer{name, session, std::nullopt, {}, {}};
  if (!types.empty()) offer.types = std::move(types);
  // A pool, as on a real node: it offers a fresh executor for each one the
  // scheduler kills (a handler that ignored its stop).
  impl_->nodes[{name, session}].push_back(impl_->sys.spawn(
      executor_pool, impl_->actors.env, count, impl_->actors.scheduler, std::move(offer)));
  run();
}

void simulated_runtime::lose_node(const std::string& name, std::uint64_t session) {
  auto it = impl_->nodes.find({name, session});
  if (it == impl_->nodes.end()) throw std::invalid_argument("no simulated node " + name);
  // A pool passes its exit on to its executors.
  for (const auto& actor : it->second)
    caf::anon_send_exit(actor, caf::exit_reason::remote_link_unreachable);
  impl_->nodes.erase(it);
  run();
  caf::anon_send(impl_->actors.scheduler, node_down_atom::value, name, session);
  run();
}

std::vector<node_load> simulated_runtime::nodes() {
  auto r = ask<std::vector<node_load>>(impl_->actors.scheduler, nodes_atom::value);
  return r.ready() ? r.get() : std::vector<node_load>{};
}

cluster_activity simulated_runtime::cluster_counts() const {
  const auto& c = *impl_->actors.env->cluster;
  return cluster_activity{c.remote_dispatches.load(), c.stale_reports.load(),
                          c.node_losses_seen.load(),  c.nodes_lost.load(),
                          c.order_messages.load(),    c.outcome_messages.load()};
}

join_reply simulated_runtime::join(join_request request, const std::string& token,
                                   std::function<void(const std::string&)> on_lost) {
  if (!impl_->gateway) impl_->gateway = impl_->sys.spawn(cluster_gateway, impl_->actors.env, token);
  // A node's real agent: the gateway's link for the session sends it the
  // orders for the executors offered through the gateway.
  auto agent = impl_->sys.spawn(worker_agent, impl_->gateway, std::move(on_lost));
  if (auto old = impl_->agents.find(request.node); old != impl_->agents.end())
    impl_->replaced_agents.push_back(old->second);
  impl_->agents[request.node] = agent;
  request.agent = agent;
  auto r = ask<join_reply>(impl_->gateway, join_atom::value, std::move(request));
  if (!r.ready()) throw std::logic_error("the gateway did not answer the join");
  return r.get();
}

void simulated_runtime::drop_agent(const std::string& node) {
  auto it = impl_->agents.find(node);
  if (it == impl_->agents.end()) throw std::invalid_argument("no agent of node " + node);
  caf::anon_send_exit(it->second, caf::exit_reason::remote_link_unreachable);
  impl_->agents.erase(it);
  run();
}

void simulated_runtime::offer_through_gateway(executor_offer offer, std::size_t count) {
  auto& held = impl_->nodes[{offer.node, offer.session}];
  for (std::size_t i = 0; i < count; ++i) {
    auto ex = impl_->sys.spawn(executor, impl_->actors.env);
    held.push_back(ex);
    offer.executors.push_back(std::move(ex));
  }
  caf::anon_send(impl_->gateway, offer_atom::value, std::move(offer));
  run();
}

simulated_runtime::~simulated_runtime() {
  caf::anon_send_exit(impl_->recorder, caf::exit_reason::user_shutdown);
  if (impl_->gateway) caf::anon_send_exit(impl_->gateway, caf::exit_reason::user_shutdown);
  for (auto& [node, agent] : impl_->agents)
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  for (auto& agent : impl_->replaced_agents)
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  for (auto& [key, actors] : impl_->nodes)
    for (const auto& actor : actors)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  stop_runtime(impl_->actors);
  run();
}

void simulated_runtime::run() {
  impl_->sched.run();
}

void simulated_runtime::advance(milliseconds d) {
  auto& clock = impl_->sched.clock();
  const auto target = clock.current_time + d;
  run();
  while (clock.has_pending_timeout() && clock.schedule().begin()->first <= target) {
    clock.trigger_timeout();
    run();
  }
  if (clock.current_time < target) clock.current_time = target;
  run();
}

bool simulated_runtime::advance_to_next_timer() {
  auto& clock = impl_->sched.clock();
  if (!clock.has_pending_timeout()) return false;
  clock.trigger_timeout();
  run();
  return true;
}

timestamp simulated_runtime::now() const {
  return impl_->actors.env->clock.at(impl_->sched.clock().now());
}

const std::vector<job_event>& simulated_runtime::events() const {
  return impl_->events;
}

expected<submit_result> simulated_runtime::submit(job_request request) {
  auto r = ask<submit_reply>(impl_->actors.scheduler, submit_atom::value, std::move(request));
  if (!r.ready()) return error{error_code::unavailable, "the submission did not complete"};
  return r.get();
}

expected<std::vector<submit_result>> simulated_runtime::submit_batch(
    std::vector<batch_entry> entries) {
  auto r = ask<batch_reply>(impl_->actors.scheduler, submit_batch_atom::value, std::move(entries));
  if (!r.ready()) return error{error_code::unavailable, "the submission did not complete"};
  return r.get();
}

std::vector<schedule_status> simulated_runtime::schedules() {
  auto r = ask<std::vector<schedule_status>>(impl_->actors.schedules, schedule_list_atom::value);
  if (!r.ready()) throw std::logic_error("the schedule keeper did not answer");
  return r.get();
}

namespace {
template <class T, class Pending>
expected<T> answer_of(const Pending& r, const char* what) {
  if (!r.ready()) return error{error_code::unavailable, std::string(what) + " did not complete"};
  return r.get();
}
}  // namespace

expected<schedule_status> simulated_runtime::create_schedule(schedule_definition definition,
                                                             const std::string& by) {
  return answer_of<schedule_status>(
      ask<schedule_reply>(impl_->actors.schedules, schedule_create_atom::value,
                          std::move(definition), by),
      "the creation");
}

expected<void> simulated_runtime::delete_schedule(const std::string& name, const std::string& by) {
  return answer_of<void>(
      ask<void_reply>(impl_->actors.schedules, schedule_delete_atom::value, name, by),
      "the deletion");
}

expected<schedule_status> simulated_runtime::pause_schedule(const std::string& name, bool paused,
                                                            const std::string& by) {
  return answer_of<schedule_status>(
      ask<schedule_reply>(impl_->actors.schedules, schedule_pause_atom::value, name, paused, by),
      "the pause");
}

expected<submit_result> simulated_runtime::trigger_schedule(const std::string& name,
                                                            const std::string& by) {
  return answer_of<submit_result>(
      ask<submit_reply>(impl_->actors.schedules, schedule_trigger_atom::value, name, by),
      "the trigger");
}

expected<job> simulated_runtime::get(const job_id& id) {
  auto r = ask<job_reply>(impl_->actors.store, fetch_atom::value, id);
  if (!r.ready()) return error{error_code::unavailable, "the store did not answer"};
  return r.get();
}

expected<job_page> simulated_runtime::list(const job_query& query) {
  auto r = ask<page_reply>(impl_->actors.store, list_atom::value, query);
  if (!r.ready()) return error{error_code::unavailable, "the store did not answer"};
  return r.get();
}

simulated_runtime::pending<expected<job>> simulated_runtime::cancel(const job_id& id,
                                                                    cancel_options options) {
  return ask<job_reply>(
      impl_->actors.scheduler, cancel_atom::value, id,
      cancel_request{options.mode, std::move(options.reason), std::move(options.by)});
}

simulated_runtime::pending<expected<job>> simulated_runtime::change_priority(const job_id& id,
                                                                             priority p,
                                                                             std::string by) {
  return ask<job_reply>(impl_->actors.scheduler, priority_atom::value, id, p, std::move(by));
}

simulated_runtime::pending<expected<job>> simulated_runtime::wait(const job_id& id) {
  return ask<job_reply>(impl_->actors.scheduler, wait_atom::value, id);
}

simulated_runtime::pending<expected<job>> simulated_runtime::replay(
    const job_id& id, std::optional<boost::json::value> payload) {
  return ask<job_reply>(impl_->actors.scheduler, replay_atom::value, id,
                        replay_request{std::move(payload), "test"});
}

simulated_runtime::pending<expected<void>> simulated_runtime::drain(milliseconds grace) {
  pending<expected<void>> out;
  auto slot = out.slot_;
  auto store = impl_->actors.store;
  auto ask_drain = [slot, store](caf::event_based_actor* self, caf::actor scheduler,
                                 std::int64_t grace_ms) {
    self->request(scheduler, caf::infinite, drain_atom::value, grace_ms)
        .then([=](void_reply& drained) {
          if (!drained) {
            *slot = std::move(drained);
            self->quit();
            return;
          }
          self->request(store, caf::infinite, sync_atom::value).then([=](void_reply& synced) {
            *slot = std::move(synced);
            self->quit();
          });
        });
  };
  impl_->sys.spawn(ask_drain, impl_->actors.scheduler, static_cast<std::int64_t>(grace.count()));
  run();
  return out;
}

simulated_runtime::pending<expected<job>> simulated_runtime::discard(const job_id& id) {
  return ask<job_reply>(impl_->actors.scheduler, discard_atom::value, id);
}

simulated_runtime::pending<expected<job>> simulated_runtime::add_dependencies(
    const job_id& id, std::vector<job_id> parents) {
  return ask<job_reply>(impl_->actors.scheduler, depend_atom::value, id, std::move(parents));
}

simulated_runtime::pending<expected<job>> simulated_runtime::remove_dependency(
    const job_id& id, const job_id& parent) {
  return ask<job_reply>(impl_->actors.scheduler, undepend_atom::value, id, parent);
}

expected<void> simulated_runtime::pause_type(const std::string& type) {
  auto r = ask<void_reply>(impl_->actors.scheduler, pause_atom::value, type);
  return r.ready() ? r.get() : expected<void>{error{error_code::unavailable, "no answer"}};
}

expected<void> simulated_runtime::resume_type(const std::string& type) {
  auto r = ask<void_reply>(impl_->actors.scheduler, resume_atom::value, type);
  return r.ready() ? r.get() : expected<void>{error{error_code::unavailable, "no answer"}};
}

scheduler_stats simulated_runtime::stats() {
  auto r = ask<scheduler_stats>(impl_->actors.scheduler, stats_atom::value);
  if (!r.ready()) throw std::logic_error("the scheduler did not answer");
  return r.get();
}

job_status simulated_runtime::status(const job_id& id) {
  auto j = get(id);
  if (!j) throw std::runtime_error("no job " + to_string(id) + ": " + j.error_value().message);
  return j->status;
}

}  // namespace jobforge::testing

#pragma once
/// The second half of jobforge's test kit for users: the whole runtime
/// (scheduler, one supervisor per job, executors, store writer, event hub)
/// on CAF's deterministic test coordinator with a simulated clock. Nothing
/// runs on its own: every call runs the actors until they are idle, and
/// `advance` moves simulated time, firing retry backoffs, timeouts, delays
/// and rate limits at their exact instants.
///
///   jobforge::testing::simulated_runtime rt(std::move(types));
///   auto job = rt.submit({"fail", boost::json::parse(R"({"times": 2})")});
///   rt.advance(std::chrono::seconds(30));
///   CHECK(rt.get(job->value.id)->status == jobforge::job_status::completed);
///
/// Handlers run inline when an attempt starts: `ctx.sleep_for(d)` returns at
/// once but delays the attempt's outcome by `d` of simulated time (a sleep
/// that crosses the attempt's deadline stops there, as a timeout would), so
/// a handler's run time, timeouts and abandonment are all simulated.

#include "actors/protocol.hpp"
#include "actors/runtime_env.hpp"
#include "model/job_type_registry.hpp"
#include "runtime/runtime.hpp"
#include "store/store.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobforge::testing {

class simulated_runtime {
 public:
  /// Simulated time starts at `start` (2026-01-01T00:00:00Z by default).
  explicit simulated_runtime(job_type_registry types, runtime_config config = {},
                             std::uint64_t seed = 1,
                             std::shared_ptr<store> backend = make_memory_store(),
                             timestamp start = from_unix_ms(1'767'225'600'000));
  ~simulated_runtime();
  simulated_runtime(const simulated_runtime&) = delete;
  simulated_runtime& operator=(const simulated_runtime&) = delete;

  /// A reply that may still be outstanding (e.g. a graceful cancellation
  /// waiting for its grace period): check `ready()` after advancing time.
  template <class T>
  class pending {
   public:
    bool ready() const { return slot_->has_value(); }
    const T& get() const { return **slot_; }

   private:
    friend class simulated_runtime;
    std::shared_ptr<std::optional<T>> slot_ = std::make_shared<std::optional<T>>();
  };

  expected<submit_result> submit(job_request request);
  expected<std::vector<submit_result>> submit_batch(std::vector<batch_entry> entries);
  expected<job> get(const job_id& id);
  expected<job_page> list(const job_query& query);
  pending<expected<job>> cancel(const job_id& id, cancel_options options = {});
  pending<expected<job>> wait(const job_id& id);
  pending<expected<job>> replay(const job_id& id,
                                std::optional<boost::json::value> payload = std::nullopt);
  pending<expected<job>> discard(const job_id& id);
  pending<expected<job>> add_dependencies(const job_id& id, std::vector<job_id> parents);
  pending<expected<job>> remove_dependency(const job_id& id, const job_id& parent);
  pending<expected<job>> change_priority(const job_id& id, priority p, std::string by = {});
  expected<void> pause_type(const std::string& type);
  expected<void> resume_type(const std::string& type);
  scheduler_stats stats();
  /// Schedules, as runtime's calls of the same names.
  std::vector<schedule_status> schedules();
  expected<schedule_status> create_schedule(schedule_definition definition,
                                            const std::string& by = {});
  expected<void> delete_schedule(const std::string& name, const std::string& by = {});
  expected<schedule_status> pause_schedule(const std::string& name, bool paused,
                                           const std::string& by = {});
  expected<submit_result> trigger_schedule(const std::string& name, const std::string& by = {});
  /// Graceful shutdown's first half (see runtime::drain): ready once no
  /// attempt runs any more and everything is committed.
  pending<expected<void>> drain(milliseconds grace);

  /// Runs every actor until none has a message (no time passes).
  void run();
  /// Moves simulated time forward by `d`, delivering every delayed message
  /// at its instant and running the actors after each one.
  void advance(milliseconds d);
  /// Jumps to the next pending timer (if any) and runs; false if none.
  bool advance_to_next_timer();
  /// The simulated wall-clock time.
  timestamp now() const;

  /// Every event published so far, in order.
  const std::vector<job_event>& events() const;

  /// The current status of a job (from the store); fails the call if absent.
  job_status status(const job_id& id);

  /// A worker node joins, simulated in this process: `count` executors
  /// offered as node `name`'s (session `session`, nonzero), running `types`
  /// (empty: every type), as the cluster gateway offers a real node's. A
  /// pool offers them, as on a real node: an executor the scheduler kills
  /// (its handler ignored a stop) is replaced by a fresh one.
  void join_node(const std::string& name, std::uint64_t session, std::vector<std::string> types,
                 std::size_t count);
  /// The node is lost: its executors end as a dropped connection ends
  /// them, and the scheduler hears of the node's loss.
  void lose_node(const std::string& name, std::uint64_t session);
  /// The scheduler's view of each node.
  std::vector<node_load> nodes();
  /// Fencing and node-loss counts so far.
  cluster_activity cluster_counts() const;

  /// Asks this runtime's cluster gateway (made at the first call, checking
  /// `token`) to let a node join, as a worker node's agent does; the agent
  /// is made here, a real one (cluster/worker_agent.hpp): it runs what the
  /// session's node link sends on the executors offered through the
  /// gateway. The answer, once the actors are idle. `on_lost` is the
  /// agent's: called when the gateway gives the session up.
  join_reply join(join_request request, const std::string& token = {},
                  std::function<void(const std::string&)> on_lost = {});
  /// A joined node's agent ends (its connection dropped): the gateway loses the node.
  void drop_agent(const std::string& node);
  /// Offers executors through the gateway, as a joined node's pool does;
  /// `count` executors of this process with the offer's node and session.
  void offer_through_gateway(executor_offer offer, std::size_t count);

 private:
  struct impl;
  template <class Reply, class... Ts>
  pending<Reply> ask(const caf::actor& dest, Ts... xs);
  std::unique_ptr<impl> impl_;
};

}  // namespace jobforge::testing

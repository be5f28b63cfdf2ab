// Stress test for mass termination of short-lived actors under CAF 0.17.6.
// Findings: docs/caf-termination-hazard.md.
//
// Every jobforge job is supervised by its own short-lived actor, so millions of
// actor terminations must not stall the runtime. This program spawns N
// short-lived actors in several patterns and reports actors/s per run. A
// watchdog thread prints every thread's stack with gdb and exits with status 2
// when the progress counter stops moving for --stall seconds; a run that takes
// longer than --cap seconds exits with status 3 (too slow, not stalled).
//
// Patterns (--pattern=NAME, or "all" for every pattern marked *):
// * unmonitored      main thread spawns N, anon_sends an int, never keeps the handle;
//                    waits for the registry's running count, then await_all_actors_done()
//   monitored_flood  one spawner actor spawns all N (chunks of 10k, no waiting), monitored;
//                    very slow with the default 4 workers on 2 cores (work-stealing spin)
// * monitored_batch  spawn --batch children, wait for all their down_msgs, repeat
// * monitored_window keep --batch children in flight, spawn one per down_msg
// * timers           window; each child does request(echo, 5s) and delayed_send(self, 1ms)
//                    before quitting (three clock events per child)
// * churn            4 spawners, windowed; each child spawns an unmonitored grandchild and
//                    quits at once, so terminations overlap spawns on every worker
// * orphan_killed    window; a courier delayed_sends itself a message holding the only
//                    handle of an "orphan" actor, tells the orphan to quit, then quits
// * capture_stopped  window; a supervisor captures its worker's handle in its down handler,
//                    makes a request with a 30 s timeout, stops the worker, then quits
// Patterns that hang, by design of the test (run them by name):
//   spike            the original spike: unmonitored flood, then await_all_actors_done()
//                    while a scoped_actor is alive
//   spike_hidden     same with scoped_actor{sys, true}
//   orphan           like orphan_killed, but the orphan never quits: the clock thread
//                    drops its last reference and runs its cleanup
//   capture          like capture_stopped, but the worker is left running: if the clock
//                    thread destroys the supervisor, it drops the worker's last reference
//                    (a race that needs the clock to hold the supervisor's last reference)
//
// Build: g++ -std=c++17 -O2 -g bench/caf_termination_stress.cpp -lcaf_core -lpthread
// Usage: stress --pattern=all --actors=1000000 --runs=1 --batch=1000 --cap=60 --stall=10

#include <caf/all.hpp>

#include <pthread.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using hold_atom = caf::atom_constant<caf::atom("hold")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using next_atom = caf::atom_constant<caf::atom("next")>;

using steady = std::chrono::steady_clock;

/// Moves whenever any actor, spawner or wait loop makes progress.
std::atomic<uint64_t> g_progress{0};

/// Describes what the main thread is doing, for the watchdog's report.
std::atomic<const char*> g_phase{"startup"};

void bump() {
  g_progress.fetch_add(1, std::memory_order_relaxed);
}

/// Counts actor states destroyed on CAF's clock thread ("caf.clock").
std::atomic<size_t> g_clock_thread_exits{0};

bool on_clock_thread() {
  thread_local int cached = -1;
  if (cached < 0) {
    char name[32] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    cached = std::string{name} == "caf.clock" ? 1 : 0;
  }
  return cached == 1;
}

/// Command line options.
struct options {
  std::string pattern = "all";
  size_t actors = 1000000;
  int runs = 1;
  size_t batch = 1000;
  int cap_s = 60;
  int stall_s = 10;
  int threads = 0;
};

/// How a spawner paces its children.
enum class pacing { flood, batch, window };

/// What each child of a spawner does.
enum class child_kind { plain, timers, churn, orphan, orphan_killed, capture, capture_stopped };

/// State shared by the actors of one run and the main thread.
struct run_ctx {
  size_t target = 0;
  size_t batch = 0;
  pacing pace = pacing::window;
  child_kind kind = child_kind::plain;
  std::atomic<size_t> spawned{0};
  std::atomic<size_t> completed{0};
  std::atomic<size_t> extra_exits{0};
  std::promise<void> done;
  std::atomic<bool> done_set{false};

  void finish() {
    if (!done_set.exchange(true)) done.set_value();
  }
};

using ctx_ptr = std::shared_ptr<run_ctx>;

/// The context of the run in progress, for the watchdog's report; access it only
/// through std::atomic_load / std::atomic_store.
ctx_ptr g_ctx;

/// State of a short-lived child; its destructor runs when the actor finalizes.
struct child_state {
  static inline const char* name = "stress_child";
  std::atomic<size_t>* exits = nullptr;

  child_state() = default;
  child_state(const child_state&) = delete;
  child_state& operator=(const child_state&) = delete;
  ~child_state() {
    if (exits != nullptr) exits->fetch_add(1, std::memory_order_relaxed);
    if (on_clock_thread()) g_clock_thread_exits.fetch_add(1, std::memory_order_relaxed);
    bump();
  }
};

using child_actor = caf::stateful_actor<child_state>;

caf::behavior plain_child(child_actor* self, std::atomic<size_t>* exits) {
  self->state.exits = exits;
  return {
      [=](int) { self->quit(); },
  };
}

caf::behavior echo_actor(caf::event_based_actor*) {
  return {
      [](int x) { return x; },
  };
}

caf::behavior timer_child(child_actor* self, caf::actor echo) {
  return {
      [=](int x) {
        self->request(echo, std::chrono::seconds(5), x).then([=](int) {
          self->delayed_send(self, std::chrono::milliseconds(1), tick_atom::value);
        });
      },
      [=](tick_atom) { self->quit(); },
  };
}

caf::behavior churn_child(child_actor* self, std::atomic<size_t>* grandchild_exits) {
  return {
      [=](int) {
        auto grandchild = self->spawn(plain_child, grandchild_exits);
        self->send(grandchild, 1);
        self->quit();
      },
  };
}

/// Waits forever unless told to quit; counts its own finalization.
caf::behavior orphan_actor(child_actor* self, std::atomic<size_t>* exits) {
  self->state.exits = exits;
  return {
      [=](int) { self->quit(); },
  };
}

/// Parks the only handle of `orphan` in a delayed message to itself, then quits,
/// so the clock thread later drops that message (and the handle) for a dead receiver.
caf::behavior courier(child_actor* self, bool kill_orphan) {
  return {
      [=](const caf::actor& orphan) {
        self->delayed_send(self, std::chrono::milliseconds(1), hold_atom::value, orphan);
        if (kill_orphan) self->send(orphan, 1);
        self->quit();
      },
      [](hold_atom, const caf::actor&) {},
  };
}

/// A job supervisor that keeps its worker's handle in its down handler and asks
/// `echo` with a 30 s request timeout before quitting. CAF 0.17.6 does not
/// cancel a request timeout when the response arrives, so the clock keeps a
/// strong reference to the supervisor until it processes the cancellation that
/// the supervisor's cleanup pushes; the supervisor object (and its down
/// handler) may therefore be destroyed on the clock thread.
caf::behavior capturing_supervisor(child_actor* self, caf::actor worker, caf::actor echo,
                                   bool stop_worker) {
  self->set_down_handler([=](caf::down_msg&) { self->send(worker, 1); });
  return {
      [=](int x) {
        self->request(echo, std::chrono::seconds(30), x).then([=](int) {
          if (stop_worker) self->send(worker, 1);
          self->quit();
        });
      },
  };
}

/// State of a spawner actor that drives one share of a run.
struct spawner_state {
  static inline const char* name = "stress_spawner";
  ctx_ptr ctx;
  size_t share = 0;
  size_t own_spawned = 0;
  size_t in_flight = 0;
  caf::actor echo;
};

using spawner_actor = caf::stateful_actor<spawner_state>;

void spawn_one(spawner_actor* self) {
  auto& st = self->state;
  auto& ctx = *st.ctx;
  switch (ctx.kind) {
    case child_kind::plain: {
      auto c = self->spawn<caf::monitored>(plain_child, nullptr);
      self->send(c, 1);
      break;
    }
    case child_kind::timers: {
      auto c = self->spawn<caf::monitored>(timer_child, st.echo);
      self->send(c, 1);
      break;
    }
    case child_kind::churn: {
      auto c = self->spawn<caf::monitored>(churn_child, &ctx.extra_exits);
      self->send(c, 1);
      break;
    }
    case child_kind::orphan:
    case child_kind::orphan_killed: {
      auto o = self->spawn(orphan_actor, &ctx.extra_exits);
      auto c = self->spawn<caf::monitored>(courier, ctx.kind == child_kind::orphan_killed);
      self->send(c, std::move(o));
      break;
    }
    case child_kind::capture:
    case child_kind::capture_stopped: {
      auto w = self->spawn(orphan_actor, &ctx.extra_exits);
      auto c = self->spawn<caf::monitored>(capturing_supervisor, std::move(w), st.echo,
                                           ctx.kind == child_kind::capture_stopped);
      self->send(c, 1);
      break;
    }
  }
  ++st.own_spawned;
  ++st.in_flight;
  ctx.spawned.fetch_add(1, std::memory_order_relaxed);
  bump();
}

bool may_spawn(spawner_actor* self) {
  auto& st = self->state;
  return st.own_spawned < st.share;
}

void spawn_up_to(spawner_actor* self, size_t n) {
  for (size_t i = 0; i < n && may_spawn(self); ++i)
    spawn_one(self);
}

void finish_if_done(spawner_actor* self) {
  auto& st = self->state;
  if (st.in_flight != 0 || may_spawn(self)) return;
  auto& ctx = *st.ctx;
  if (ctx.completed.load() >= ctx.spawned.load()) ctx.finish();
  if (st.echo) self->send_exit(st.echo, caf::exit_reason::user_shutdown);
  self->quit();
}

caf::behavior spawner(spawner_actor* self, ctx_ptr ctx, size_t share) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.share = share;
  auto k = st.ctx->kind;
  if (k == child_kind::timers || k == child_kind::capture || k == child_kind::capture_stopped)
    st.echo = self->spawn(echo_actor);
  self->set_down_handler([=](caf::down_msg&) {
    auto& s = self->state;
    --s.in_flight;
    s.ctx->completed.fetch_add(1, std::memory_order_relaxed);
    bump();
    switch (s.ctx->pace) {
      case pacing::flood:
        break;
      case pacing::batch:
        if (s.in_flight == 0) spawn_up_to(self, s.ctx->batch);
        break;
      case pacing::window:
        spawn_up_to(self, 1);
        break;
    }
    finish_if_done(self);
  });
  self->send(self, next_atom::value);
  return {
      [=](next_atom) {
        auto& s = self->state;
        switch (s.ctx->pace) {
          case pacing::flood:
            spawn_up_to(self, 10000);
            if (may_spawn(self)) self->send(self, next_atom::value);
            break;
          case pacing::batch:
          case pacing::window:
            spawn_up_to(self, s.ctx->batch);
            break;
        }
        finish_if_done(self);
      },
  };
}

[[noreturn]] void dump_stacks_and_exit(int stall_s) {
  std::printf("\n*** WATCHDOG: no progress for %d s (phase: %s, progress=%llu); stacks follow\n",
              stall_s, g_phase.load(), static_cast<unsigned long long>(g_progress.load()));
  if (auto ctx = std::atomic_load(&g_ctx)) {
    std::printf("*** run: spawned=%zu completed=%zu extra_exits=%zu clock-thread exits=%zu\n",
                ctx->spawned.load(), ctx->completed.load(), ctx->extra_exits.load(),
                g_clock_thread_exits.load());
  }
  std::fflush(stdout);
  auto cmd = "gdb -p " + std::to_string(getpid()) +
             " -batch -ex 'set pagination off' -ex 'thread apply all bt' 2>&1";
  if (std::system(cmd.c_str()) != 0) std::printf("*** gdb failed\n");
  std::printf("*** WATCHDOG: exiting with status 2\n");
  std::fflush(stdout);
  std::_Exit(2);
}

void watchdog(int stall_s) {
  auto last = g_progress.load();
  auto last_change = steady::now();
  auto last_report = steady::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (steady::now() - last_report > std::chrono::seconds(10)) {
      last_report = steady::now();
      if (auto ctx = std::atomic_load(&g_ctx)) {
        std::printf("  ... %s: spawned=%zu completed=%zu extra_exits=%zu\n", g_phase.load(),
                    ctx->spawned.load(), ctx->completed.load(), ctx->extra_exits.load());
        std::fflush(stdout);
      }
    }
    auto now = g_progress.load();
    if (now != last) {
      last = now;
      last_change = steady::now();
    } else if (steady::now() - last_change > std::chrono::seconds(stall_s)) {
      dump_stacks_and_exit(stall_s);
    }
  }
}

/// Result of one run of one pattern.
struct run_result {
  size_t actors = 0;
  double seconds = 0;
};

/// Ends the process with status 3 when a run exceeds --cap: too slow, but not stalled.
[[noreturn]] void cap_exceeded(steady::time_point start, size_t completed) {
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  std::printf("*** CAP: run exceeded the time cap (phase: %s); %zu actors completed in %.1f s\n",
              g_phase.load(), completed, secs);
  std::fflush(stdout);
  std::_Exit(3);
}

/// Polls `pred` every millisecond until it holds or `deadline` passes. Polling is
/// not progress: only actors move the watchdog's counter.
template <class Pred>
bool poll_until(Pred pred, steady::time_point deadline) {
  while (!pred()) {
    if (steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

run_result run_unmonitored(caf::actor_system& sys, const options& opt) {
  auto start = steady::now();
  auto deadline = start + std::chrono::seconds(opt.cap_s);
  std::atomic<size_t> exits{0};
  size_t n = 0;
  g_phase = "unmonitored: spawning";
  for (; n < opt.actors && steady::now() < deadline; ++n) {
    auto a = sys.spawn(plain_child, &exits);
    caf::anon_send(a, 1);
    if ((n & 1023) == 0) bump();
  }
  if (n < opt.actors) cap_exceeded(start, exits.load());
  g_phase = "unmonitored: waiting for registry running count 0";
  if (!poll_until([&] { return sys.registry().running() == 0; }, deadline))
    cap_exceeded(start, exits.load());
  g_phase = "unmonitored: await_all_actors_done";
  sys.await_all_actors_done();
  run_result res;
  res.seconds = std::chrono::duration<double>(steady::now() - start).count();
  res.actors = n;
  g_phase = "unmonitored: waiting for state destructors";
  if (!poll_until([&] { return exits.load() == n; }, deadline)) cap_exceeded(start, exits.load());
  return res;
}

run_result run_spike(caf::actor_system& sys, const options& opt, bool hide) {
  auto start = steady::now();
  auto deadline = start + std::chrono::seconds(opt.cap_s);
  std::atomic<size_t> exits{0};
  caf::scoped_actor self{sys, hide};
  std::vector<caf::actor> v;
  v.reserve(opt.actors);
  g_phase = "spike: spawning";
  for (size_t n = 0; n < opt.actors && steady::now() < deadline; ++n) {
    v.push_back(sys.spawn(plain_child, &exits));
    self->send(v.back(), 1);
    if ((n & 1023) == 0) bump();
  }
  auto n = v.size();
  v.clear();
  g_phase = "spike: await_all_actors_done() with a scoped_actor alive";
  std::printf("  running count before await: %zu (includes the scoped_actor)\n",
              sys.registry().running());
  std::fflush(stdout);
  sys.await_all_actors_done();
  run_result res;
  res.actors = n;
  res.seconds = std::chrono::duration<double>(steady::now() - start).count();
  return res;
}

run_result run_spawners(caf::actor_system& sys, const options& opt, pacing pace, child_kind kind,
                        size_t spawners) {
  auto ctx = std::make_shared<run_ctx>();
  ctx->target = opt.actors;
  ctx->batch = opt.batch;
  ctx->pace = pace;
  ctx->kind = kind;
  auto fut = ctx->done.get_future();
  std::atomic_store(&g_ctx, ctx);
  auto start = steady::now();
  auto deadline = start + std::chrono::seconds(opt.cap_s);
  g_phase = "spawners running";
  // Holding the handles matters: an idle actor that nobody references is destroyed as
  // unreachable in CAF 0.17, and monitors do not keep the observer alive.
  std::vector<caf::actor> handles;
  for (size_t i = 0; i < spawners; ++i) {
    auto share = opt.actors / spawners + (i < opt.actors % spawners ? 1 : 0);
    handles.push_back(sys.spawn(spawner, ctx, share));
  }
  if (fut.wait_until(deadline) != std::future_status::ready) {
    cap_exceeded(start, ctx->completed.load());
  }
  if (kind != child_kind::plain && kind != child_kind::timers) {
    g_phase = "waiting for grandchild/orphan exits";
    auto target = ctx->spawned.load();
    if (!poll_until([&] { return ctx->extra_exits.load() >= target; }, deadline))
      cap_exceeded(start, ctx->completed.load());
  }
  run_result res;
  res.seconds = std::chrono::duration<double>(steady::now() - start).count();
  res.actors = ctx->completed.load();
  std::atomic_store(&g_ctx, ctx_ptr{});
  return res;
}

run_result run_pattern(caf::actor_system& sys, const options& opt, const std::string& p) {
  if (p == "unmonitored") return run_unmonitored(sys, opt);
  if (p == "spike") return run_spike(sys, opt, false);
  if (p == "spike_hidden") return run_spike(sys, opt, true);
  if (p == "monitored_flood") return run_spawners(sys, opt, pacing::flood, child_kind::plain, 1);
  if (p == "monitored_batch") return run_spawners(sys, opt, pacing::batch, child_kind::plain, 1);
  if (p == "monitored_window") return run_spawners(sys, opt, pacing::window, child_kind::plain, 1);
  if (p == "timers") return run_spawners(sys, opt, pacing::window, child_kind::timers, 1);
  if (p == "churn") return run_spawners(sys, opt, pacing::window, child_kind::churn, 4);
  if (p == "orphan") return run_spawners(sys, opt, pacing::window, child_kind::orphan, 1);
  if (p == "orphan_killed")
    return run_spawners(sys, opt, pacing::window, child_kind::orphan_killed, 1);
  if (p == "capture") return run_spawners(sys, opt, pacing::window, child_kind::capture, 1);
  if (p == "capture_stopped")
    return run_spawners(sys, opt, pacing::window, child_kind::capture_stopped, 1);
  std::fprintf(stderr, "unknown pattern: %s\n", p.c_str());
  std::exit(1);
}

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

bool starts_with(const std::string& s, const char* prefix, std::string& rest) {
  auto len = std::char_traits<char>::length(prefix);
  if (s.compare(0, len, prefix) != 0) return false;
  rest = s.substr(len);
  return true;
}

options parse_options(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string v;
    if (starts_with(arg, "--pattern=", v)) {
      opt.pattern = v;
    } else if (starts_with(arg, "--actors=", v)) {
      opt.actors = std::stoul(v);
    } else if (starts_with(arg, "--runs=", v)) {
      opt.runs = std::stoi(v);
    } else if (starts_with(arg, "--batch=", v)) {
      opt.batch = std::stoul(v);
    } else if (starts_with(arg, "--cap=", v)) {
      opt.cap_s = std::stoi(v);
    } else if (starts_with(arg, "--stall=", v)) {
      opt.stall_s = std::stoi(v);
    } else if (starts_with(arg, "--threads=", v)) {
      opt.threads = std::stoi(v);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--pattern=NAME|all] [--actors=N] [--runs=R] [--batch=B] "
                   "[--cap=SECONDS] [--stall=SECONDS] [--threads=T]\n",
                   argv[0]);
      std::exit(1);
    }
  }
  if (opt.batch == 0) opt.batch = 1;
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse_options(argc, argv);
  // Lets the gdb child attach to us when Yama ptrace_scope is 1.
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  std::thread{watchdog, opt.stall_s}.detach();
  std::vector<std::string> patterns;
  if (opt.pattern == "all") {
    patterns = {"unmonitored", "monitored_batch", "monitored_window", "timers",
                "churn",       "orphan_killed",   "capture_stopped"};
  } else {
    patterns = {opt.pattern};
  }
  std::printf("pid %d, %u hardware threads, load average %s\n", static_cast<int>(getpid()),
              std::thread::hardware_concurrency(), load_average().c_str());
  std::fflush(stdout);
  for (const auto& p : patterns) {
    for (int run = 1; run <= opt.runs; ++run) {
      run_result res;
      g_clock_thread_exits = 0;
      {
        caf::actor_system_config cfg;
        if (opt.threads > 0) cfg.set("scheduler.max-threads", opt.threads);
        caf::actor_system sys{cfg};
        res = run_pattern(sys, opt, p);
        g_phase = "actor_system destructor";
      }
      std::printf(
          "%-16s run %2d: %8zu actors in %7.3f s = %9.0f actors/s  clock-thread exits %zu  "
          "(load %s)\n",
          p.c_str(), run, res.actors, res.seconds,
          res.seconds > 0 ? static_cast<double>(res.actors) / res.seconds : 0.0,
          g_clock_thread_exits.load(), load_average().c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

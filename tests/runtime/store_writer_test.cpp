// The store writer's group commit (actors/store_writer.hpp), on CAF's
// deterministic scheduler with simulated time: what commits together, and
// when a write nobody waits for is committed.
#include "actors/store_writer.hpp"
#include "model/random_source.hpp"
#include "store/forwarding_store.hpp"
#include "store/memory/memory_store.hpp"

#include "../support/deterministic_caf.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

using namespace jobforge;
using namespace std::chrono_literals;

namespace {

/// Keeps the size of every committed batch; refuses the next `refusals`
/// batches with `refusal` (as a full disk would: `unavailable`).
class counting_store final : public forwarding_store {
 public:
  explicit counting_store(std::shared_ptr<std::vector<std::size_t>> commits)
      : forwarding_store(make_memory_store()), commits_(std::move(commits)) {}
  expected<void> apply(const std::vector<store_write>& batch) override {
    ++tries;
    if (refusals > 0) {
      --refusals;
      return error{refusal, "database or disk is full (injected by the test)"};
    }
    commits_->push_back(batch.size());
    return inner().apply(batch);
  }

  expected<std::optional<job>> get(const job_id& id) override {
    ++own_reads;
    return inner().get(id);
  }
  expected<job_page> list(const job_query& q) override {
    ++own_reads;
    return inner().list(q);
  }
  /// What is committed, read past the counting (the readers' view).
  store& committed() { return inner(); }

  int refusals = 0;
  error_code refusal = error_code::unavailable;
  int tries = 0;      ///< apply calls, refused ones too
  int own_reads = 0;  ///< reads the writer made itself

 private:
  std::shared_ptr<std::vector<std::size_t>> commits_;
};

/// A reader of what `backend` committed, counting its reads.
class counting_reader final : public store_reader {
 public:
  counting_reader(std::shared_ptr<counting_store> backend, std::shared_ptr<int> reads)
      : backend_(std::move(backend)), reads_(std::move(reads)) {}
  expected<std::optional<job>> get(const job_id& id) override {
    ++*reads_;
    return backend_->committed().get(id);
  }
  expected<job_page> list(const job_query& q) override {
    ++*reads_;
    return backend_->committed().list(q);
  }

 private:
  std::shared_ptr<counting_store> backend_;
  std::shared_ptr<int> reads_;
};

std::vector<store_write> put_of(std::uint64_t seed) {
  auto rng = make_seeded_random(seed);
  job j;
  j.id = job_id::generate(*rng);
  j.type = "noop";
  j.tenant = "acme";
  return {put_job{std::make_shared<const job>(std::move(j))}};
}

void fetcher(caf::event_based_actor* self, const caf::actor& writer, job_id id,
             std::shared_ptr<std::optional<job_reply>> slot) {
  self->request(writer, caf::infinite, fetch_atom::value, id).then([slot](job_reply& r) {
    *slot = std::move(r);
  });
}

void lister(caf::event_based_actor* self, const caf::actor& writer,
            std::shared_ptr<std::optional<page_reply>> slot) {
  self->request(writer, caf::infinite, list_atom::value, job_query{}).then([slot](page_reply& r) {
    *slot = std::move(r);
  });
}

job_id id_of(std::uint64_t seed) {
  return std::get<put_job>(put_of(seed).front()).snapshot->id;
}

// The work comes as spawn arguments, not as a lambda's captures: CAF 0.17
// binds a null pointer when it spawns a function without arguments (UBSan).
void submitter(caf::event_based_actor* self, const caf::actor& writer,
               std::vector<store_write> writes, std::shared_ptr<std::optional<bool>> slot) {
  self->request(writer, caf::infinite, persist_atom::value, std::move(writes))
      .then([slot](void_reply& r) { *slot = r.has_value(); });
}

struct writer_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<std::vector<std::size_t>> commits = std::make_shared<std::vector<std::size_t>>();
  std::shared_ptr<counting_store> backend = std::make_shared<counting_store>(commits);
  std::shared_ptr<store_outage> outage = std::make_shared<store_outage>();
  caf::actor writer;

  /// Reads made by each reader (none unless `readers` were asked for).
  std::vector<std::shared_ptr<int>> reader_reads;

  explicit writer_fixture(std::chrono::microseconds idle_delay, std::size_t readers = 0)
      : sys(testing_support::deterministic(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    store_writer_limits limits;
    limits.idle_commit_delay = idle_delay;
    limits.outage = outage;
    limits.detached_readers = false;
    for (std::size_t i = 0; i < readers; ++i) {
      reader_reads.push_back(std::make_shared<int>(0));
      limits.readers.push_back(std::make_shared<counting_reader>(backend, reader_reads.back()));
    }
    writer = sys.spawn(store_writer, backend, limits);
    sched.run();
  }

  ~writer_fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A write sent the way a job's supervisor sends its changes.
  void fire_and_forget(std::uint64_t seed) {
    caf::anon_send(writer, persist_atom::value, put_of(seed));
    sched.run();
  }

  /// A write sent the way the scheduler sends a submission: its answer
  /// (once committed) lands in the returned slot.
  std::shared_ptr<std::optional<bool>> awaited(std::uint64_t seed) {
    auto slot = std::make_shared<std::optional<bool>>();
    sys.spawn(submitter, writer, put_of(seed), slot);
    sched.run();
    return slot;
  }

  /// The writer's answer to a read of `id` (fetch_atom).
  std::optional<job_reply> fetch(const job_id& id) {
    auto slot = std::make_shared<std::optional<job_reply>>();
    sys.spawn(fetcher, writer, id, slot);
    sched.run();
    return *slot;
  }

  /// The writer's answer to a list of every job (list_atom).
  std::optional<page_reply> list() {
    auto slot = std::make_shared<std::optional<page_reply>>();
    sys.spawn(lister, writer, slot);
    sched.run();
    return *slot;
  }

  bool stored(std::uint64_t seed) {
    auto found = backend->get(id_of(seed));
    return found && found.value().has_value();
  }

  void advance(std::chrono::microseconds d) { testing_support::advance(sched, d); }
};

}  // namespace

TEST_CASE("store writer: writes nobody waits for wait for the next awaited one", "[store_writer]") {
  writer_fixture f(1000us);
  f.fire_and_forget(1);  // a job that ended
  f.fire_and_forget(2);
  CHECK(f.commits->empty());
  auto answer = f.awaited(3);  // a submission: commits at once, with both
  REQUIRE(answer->has_value());
  CHECK(**answer);
  CHECK(*f.commits == std::vector<std::size_t>{3});
  // The delay's end finds nothing left to commit.
  f.advance(1000us);
  CHECK(*f.commits == std::vector<std::size_t>{3});
}

TEST_CASE("store writer: a write nobody waits for is committed when the delay ends",
          "[store_writer]") {
  writer_fixture f(1000us);
  f.fire_and_forget(1);
  f.advance(999us);
  CHECK(f.commits->empty());
  f.fire_and_forget(2);  // joins the same delay, does not extend it
  f.advance(1us);
  CHECK(*f.commits == std::vector<std::size_t>{2});
  f.fire_and_forget(3);  // a new delay starts
  CHECK(f.commits->size() == 1);
  f.advance(1000us);
  CHECK(*f.commits == (std::vector<std::size_t>{2, 1}));
}

TEST_CASE("store writer: without a delay every write commits as soon as the mailbox is empty",
          "[store_writer]") {
  writer_fixture f(0us);
  f.fire_and_forget(1);
  CHECK(*f.commits == std::vector<std::size_t>{1});
  auto answer = f.awaited(2);
  REQUIRE(answer->has_value());
  CHECK(*f.commits == (std::vector<std::size_t>{1, 1}));
}

TEST_CASE("store writer: a write waiting for company is committed before the writer stops",
          "[store_writer]") {
  auto commits = std::make_shared<std::vector<std::size_t>>();
  {
    writer_fixture f(1000us);
    commits = f.commits;
    f.fire_and_forget(1);
    CHECK(f.commits->empty());
  }  // the writer is told to exit
  CHECK(*commits == std::vector<std::size_t>{1});
}

TEST_CASE("store writer: writes the store refuses are kept and tried again until it takes them",
          "[store_writer]") {
  writer_fixture f(0us);
  f.backend->refusals = 3;  // the disk is full for the next three tries
  f.fire_and_forget(1);     // a job that ended: nobody waits
  CHECK(f.commits->empty());
  CHECK(f.backend->tries == 1);
  REQUIRE(f.outage->active());
  CHECK(f.outage->current()->waiting_writes == 1);
  CHECK(f.outage->current()->reason.find("disk is full") != std::string::npos);
  // Reads see the kept write, which the store does not hold yet.
  auto read = f.fetch(id_of(1));
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK(read->value().id == id_of(1));
  CHECK_FALSE(f.stored(1));
  // More writes join the kept ones and wait for the retry: no try each.
  f.fire_and_forget(2);
  CHECK(f.backend->tries == 1);
  CHECK(f.outage->current()->waiting_writes == 1);  // as of the last try
  // Retries after 50 ms, then 100 ms, then 200 ms: the third is taken.
  f.advance(49ms);
  CHECK(f.backend->tries == 1);
  f.advance(1ms);
  CHECK(f.backend->tries == 2);
  CHECK(f.outage->current()->waiting_writes == 2);
  f.advance(99ms);
  CHECK(f.backend->tries == 2);
  f.advance(1ms);
  CHECK(f.backend->tries == 3);
  CHECK(f.outage->active());
  f.advance(200ms);
  CHECK(f.backend->tries == 4);
  CHECK_FALSE(f.outage->active());
  CHECK(f.outage->outages() == 1);
  CHECK(*f.commits == std::vector<std::size_t>{2});
  CHECK(f.stored(1));
  CHECK(f.stored(2));
  // Back to normal: a write commits at once again.
  f.fire_and_forget(3);
  CHECK(*f.commits == (std::vector<std::size_t>{2, 1}));
}

TEST_CASE("store writer: a refused commit fails its awaited writes at once and drops them",
          "[store_writer]") {
  writer_fixture f(1000us);
  f.fire_and_forget(1);  // waits for company
  f.backend->refusals = 1;
  auto answer = f.awaited(2);  // commits with it, and is refused
  REQUIRE(answer->has_value());
  CHECK_FALSE(**answer);
  REQUIRE(f.outage->active());
  CHECK(f.outage->current()->waiting_writes == 1);  // the unawaited one only
  // While the store refuses writes, an awaited write fails without a try.
  auto refused = f.awaited(3);
  REQUIRE(refused->has_value());
  CHECK_FALSE(**refused);
  CHECK(f.backend->tries == 1);
  f.advance(50ms);  // the retry is taken
  CHECK_FALSE(f.outage->active());
  CHECK(*f.commits == std::vector<std::size_t>{1});
  CHECK(f.stored(1));
  CHECK_FALSE(f.stored(2));  // its caller was told it failed: it never appears
  CHECK_FALSE(f.stored(3));
  auto later = f.awaited(4);
  REQUIRE(later->has_value());
  CHECK(**later);
}

TEST_CASE("store writer: a batch that fails for good is dropped, not retried", "[store_writer]") {
  writer_fixture f(0us);
  f.backend->refusals = 1;
  f.backend->refusal = error_code::internal;  // would fail the same way again
  f.fire_and_forget(1);
  CHECK_FALSE(f.outage->active());
  f.advance(10s);
  CHECK(f.backend->tries == 1);
  CHECK_FALSE(f.stored(1));
  f.fire_and_forget(2);
  CHECK(f.stored(2));
}

TEST_CASE("store writer: writes still refused at exit get one last try", "[store_writer]") {
  std::shared_ptr<counting_store> backend;
  {
    writer_fixture f(0us);
    backend = f.backend;
    f.backend->refusals = 1;
    f.fire_and_forget(1);
    REQUIRE(f.outage->active());
  }  // the writer is told to exit before its retry is due
  CHECK(backend->tries == 2);
  auto found = backend->get(id_of(1));
  REQUIRE(found);
  CHECK(found.value().has_value());
}

TEST_CASE("store writer: with readers, reads are answered by them once what came before commits",
          "[store_writer]") {
  writer_fixture f(1000us, 2);
  f.fire_and_forget(1);  // waits for company
  CHECK(f.commits->empty());
  auto found = f.fetch(id_of(1));
  // The read made the write before it commit, then a reader answered it.
  CHECK(*f.commits == std::vector<std::size_t>{1});
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->id == id_of(1));
  CHECK(*f.reader_reads[0] == 1);
  auto missing = f.fetch(id_of(99));
  REQUIRE(missing.has_value());
  REQUIRE_FALSE(missing->has_value());
  CHECK(missing->error_value().code == error_code::not_found);
  CHECK(*f.reader_reads[1] == 1);  // the readers take turns
  f.fire_and_forget(2);
  auto page = f.list();
  REQUIRE(page.has_value());
  REQUIRE(page->has_value());
  CHECK((*page)->items.size() == 2);
  CHECK(*f.reader_reads[0] == 2);
  CHECK(f.backend->own_reads == 0);  // the writer itself read nothing
}

TEST_CASE("store writer: a job still in a refused batch is read from the batch, not a reader",
          "[store_writer]") {
  writer_fixture f(0us, 1);
  f.backend->refusals = 1;
  f.fire_and_forget(1);
  REQUIRE(f.outage->active());
  auto found = f.fetch(id_of(1));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());  // the store does not hold it yet; the batch does
  CHECK((*found)->id == id_of(1));
  CHECK(*f.reader_reads[0] == 0);
}

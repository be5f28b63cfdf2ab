// Micro benchmarks of the pure model's hot paths: id generation, dispatch
// keys, the job codec and canonical JSON (dedup keys).
#include "model/canonical_json.hpp"
#include "model/dedup.hpp"
#include "model/job_codec.hpp"
#include "model/job_id.hpp"
#include "model/priority.hpp"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <set>

using namespace jobforge;

static void BM_job_id_generate_system(benchmark::State& state) {
  auto rng = make_system_random();
  for (auto _ : state)
    benchmark::DoNotOptimize(job_id::generate(*rng));
}
BENCHMARK(BM_job_id_generate_system);

static void BM_job_id_generate_seeded(benchmark::State& state) {
  auto rng = make_seeded_random(42);
  for (auto _ : state)
    benchmark::DoNotOptimize(job_id::generate(*rng));
}
BENCHMARK(BM_job_id_generate_seeded);

static void BM_dispatch_queue_push_pop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto rng = make_seeded_random(7);
  aging_policy aging;
  for (auto _ : state) {
    std::set<dispatch_key> queue;
    for (std::size_t i = 0; i < n; ++i) {
      auto p = static_cast<priority>(rng->next_u64() % 4);
      queue.insert(make_dispatch_key(
          p, from_unix_ms(static_cast<std::int64_t>(rng->next_u64() % 1'000'000)), i, aging));
    }
    while (!queue.empty())
      queue.erase(queue.begin());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_dispatch_queue_push_pop)->Arg(1'000)->Arg(100'000);

static job sample_job() {
  auto rng = make_seeded_random(1);
  job j;
  j.id = job_id::generate(*rng);
  j.type = "email.send";
  j.payload = boost::json::parse(R"({"to":"a@example.com","subject":"hi","body":"hello there"})");
  j.tenant = "default";
  j.created_at = j.updated_at = from_unix_ms(1'790'000'000'000);
  j.history.push_back(
      {j.created_at, std::nullopt, job_status::pending, 0, std::nullopt, {}, "submitted"});
  return j;
}

static void BM_job_to_json(benchmark::State& state) {
  const job j = sample_job();
  for (auto _ : state)
    benchmark::DoNotOptimize(boost::json::serialize(to_json(j)));
}
BENCHMARK(BM_job_to_json);

static void BM_job_from_json(benchmark::State& state) {
  const auto text = boost::json::serialize(to_json(sample_job()));
  for (auto _ : state) {
    auto j = job_from_json(boost::json::parse(text));
    benchmark::DoNotOptimize(j.has_value());
  }
}
BENCHMARK(BM_job_from_json);

static void BM_dedup_key_by_payload(benchmark::State& state) {
  const auto payload = sample_job().payload;
  for (auto _ : state)
    benchmark::DoNotOptimize(dedup_key("email.send", payload, std::nullopt, true));
}
BENCHMARK(BM_dedup_key_by_payload);

BENCHMARK_MAIN();

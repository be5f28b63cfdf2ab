#include "store/memory/memory_store.hpp"
#include "store_conformance.hpp"

#include <catch2/catch.hpp>

namespace {

struct memory_backend {
  static std::unique_ptr<jobforge::store> make() { return jobforge::make_memory_store(); }
};

}  // namespace

JOBFORGE_STORE_CONFORMANCE(memory_backend, "memory")

using namespace jobforge;
using namespace jobforge::conformance;

TEST_CASE("memory: a put keeps the caller's snapshot instead of copying it", "[store][memory]") {
  memory_store s;
  const auto snapshot = share(make_job(1, t0));
  const auto owners = snapshot.use_count();
  apply_ok(s, {put_job{snapshot}});
  CHECK(snapshot.use_count() == owners + 1);
  CHECK(s.size() == 1);

  erase(s, snapshot->id);
  CHECK(snapshot.use_count() == owners);
  CHECK(s.size() == 0);
}

TEST_CASE("memory: a replaced snapshot is released", "[store][memory]") {
  memory_store s;
  const auto first = share(make_job(1, t0));
  job changed = *first;
  changed.status = job_status::running;
  apply_ok(s, {put_job{first}});
  apply_ok(s, {put_job{share(changed)}});
  CHECK(first.use_count() == 1);
}

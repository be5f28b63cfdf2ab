// The cluster's wire messages, as a coordinator or a worker node reads them
// off the network. The first byte chooses what the rest is read as: a
// whole CAF message (its type names select the types, as between nodes) or
// one of the announced types. Properties: reading never crashes; what
// reads writes back to bytes that read again to the same bytes; its enum
// fields hold values the enum names; what a coordinator keeps of it (a
// progress report, an error, an outcome) is a job its store can read back.

#include "actors/protocol.hpp"
#include "fuzz_check.hpp"
#include "model/finite_json.hpp"
#include "model/job_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using namespace jobforge;

/// The actor system every reader and writer needs, made once and never
/// destroyed: at exit, CAF's own globals may be gone before it.
caf::actor_system& wire_system() {
  static caf::actor_system* sys = [] {
    auto* cfg = new caf::actor_system_config;
    cfg->set("scheduler.max-threads", std::size_t{1});
    cfg->set("logger.verbosity", caf::atom("quiet"));
    announce_wire_types(*cfg);
    return new caf::actor_system(*cfg);
  }();
  return *sys;
}

/// Types with nothing to check beyond reading and writing.
template <class T>
void check(const T&) {}

void check(error_kind k) {
  FUZZ_CHECK(parse_error_kind(to_string(k)) == k);
}

void check(const job_error& e) {
  check(e.kind);
  FUZZ_CHECK(job_error_from_json(to_json(e)));
}

void check(const job_progress& p) {
  FUZZ_CHECK(job_progress_from_json(to_json(p)));
}

/// A JSON field read off the wire holds only finite numbers: no JSON text
/// can spell another, so a job holding one could not be stored.
void check(const boost::json::value& v) {
  FUZZ_CHECK(!find_non_finite(v));
}

void check(const attempt_order& o) {
  check(o.payload);
  check(o.checkpoint);
}

void check(const attempt_outcome& o) {
  if (o.result.succeeded())
    check(o.result.value());
  else
    check(o.result.error());
  check(o.checkpoint);
  if (o.progress) check(*o.progress);
  // What the coordinator's supervisor keeps of it, in a job its store can
  // read back.
  job j;
  j.type = "wire";
  if (o.result.succeeded())
    j.result = o.result.value();
  else
    j.last_error = o.result.error();
  j.progress = o.progress;
  j.checkpoint = o.checkpoint;
  if (o.result_file) j.result_file = *o.result_file;
  FUZZ_CHECK(job_from_json(to_json(j)));
  if (o.stopped)
    FUZZ_CHECK(*o.stopped == stop_reason::canceled || *o.stopped == stop_reason::timeout ||
               *o.stopped == stop_reason::shutdown);
}

void check(const progress_report& r) {
  check(r.progress);
  check(r.checkpoint);
}

void check(const attempt_log& l) {
  FUZZ_CHECK(l.level == log_level::debug || l.level == log_level::info ||
             l.level == log_level::warn || l.level == log_level::error);
}

void check(const routed_order& r) {
  check(r.order);
}

template <class T>
void check(const std::vector<T>& xs) {
  for (const auto& x : xs)
    check(x);
}

template <class T>
std::vector<char> save(T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{wire_system(), buf};
  FUZZ_CHECK(!sink(x));
  return buf;
}

/// Reads a T from `bytes`; when it reads, checks it, and that what it
/// writes reads again every time and settles.
template <class T>
void read_as(const char* bytes, std::size_t size) {
  T x;
  caf::binary_deserializer source{wire_system(), bytes, size};
  if (source(x)) return;
  check(x);
  check_settles(save(x), [](const std::vector<char>& written) {
    T again;
    caf::binary_deserializer reread{wire_system(), written};
    FUZZ_CHECK(!reread(again));
    return save(again);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data) + 1;
  const std::size_t n = size - 1;
  switch (data[0] % 12) {
    case 0: {
      caf::message msg;
      caf::binary_deserializer source{wire_system(), bytes, n};
      (void)source(msg);
      break;
    }
    case 1:
      read_as<attempt_order>(bytes, n);
      break;
    case 2:
      read_as<attempt_outcome>(bytes, n);
      break;
    case 3:
      read_as<progress_report>(bytes, n);
      break;
    case 4:
      read_as<attempt_log>(bytes, n);
      break;
    case 5:
      read_as<join_request>(bytes, n);
      break;
    case 6:
      read_as<join_reply>(bytes, n);
      break;
    case 7:
      read_as<executor_offer>(bytes, n);
      break;
    case 8:
      read_as<result_chunk>(bytes, n);
      break;
    case 9:
      read_as<std::vector<routed_order>>(bytes, n);
      break;
    case 10:
      read_as<std::vector<attempt_outcome>>(bytes, n);
      break;
    default:
      read_as<job_id>(bytes, n);
      break;
  }
  return 0;
}

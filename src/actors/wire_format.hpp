#pragma once
/// How the messages that cross the network are serialised: a CAF 0.17
/// `inspect` per type. Nothing that crosses carries a pointer; JSON values
/// travel as their text and are parsed on arrival (a text that does not
/// parse fails the message, which CAF then drops). Local messages are never
/// serialised: these functions cost nothing in the coordinator's process.
///
/// Included by protocol.hpp after the types it declares.

#include "actors/protocol.hpp"
#include "model/exact_json_parse.hpp"
#include "model/finite_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace caf {
class actor_system_config;
}

namespace jobforge {

/// The version of the cluster protocol: a worker node that speaks another
/// one is refused at its join.
/// 2: handlers' log lines are forwarded (attempt_log).
/// 3: attempts go through the node's link and agent, in batches.
/// 4: the coordinator tells an agent when it gives its session up.
inline constexpr std::uint32_t cluster_protocol_version = 4;

/// Announces every type below to `cfg` (both ends of a connection must).
void announce_wire_types(caf::actor_system_config& cfg);

namespace wire {

/// A JSON value inside a message: serialised as its text.
struct json_field {
  boost::json::value& ref;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, json_field& x) {
  std::string text;
  auto save = caf::meta::save_callback([&]() -> caf::error {
    text = boost::json::serialize(x.ref);
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    boost::system::error_code ec;
    auto parsed = parse_json_exactly(text, ec);
    if (ec) return caf::make_error(caf::sec::invalid_argument, "JSON field: " + ec.message());
    // Refused where it comes in, as over HTTP (finite_json.hpp): a job
    // holding 1e400 could be neither answered nor stored.
    if (auto where = find_non_finite(parsed))
      return caf::make_error(caf::sec::invalid_argument,
                             "JSON field: a number out of range at \"" + *where + "\"");
    x.ref = std::move(parsed);
    return caf::none;
  });
  return f(save, text, load);
}

/// A std::optional inside a message (CAF 0.17 knows only its own optional).
template <class T>
struct optional_field {
  std::optional<T>& ref;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  bool present = false;
  T value{};
  auto save = caf::meta::save_callback([&]() -> caf::error {
    present = x.ref.has_value();
    if (present) value = *x.ref;
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    if (present)
      x.ref = std::move(value);
    else
      x.ref.reset();
    return caf::none;
  });
  return f(save, present, value, load);
}

/// A handler's outcome, rebuilt through its factory functions on arrival.
struct result_field {
  handler_result& ref;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_field& x) {
  bool succeeded = true;
  boost::json::value value;
  job_error error;
  json_field value_text{value};
  auto save = caf::meta::save_callback([&]() -> caf::error {
    succeeded = x.ref.succeeded();
    if (succeeded)
      value = x.ref.value();
    else
      error = x.ref.error();
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.ref = succeeded ? handler_result::ok(std::move(value)) : handler_result::failure(error);
    return caf::none;
  });
  // A file result never crosses: a worker node keeps no results folder,
  // so its executors fail such an attempt before sending it.
  return f(save, succeeded, value_text, error, load);
}

/// Bytes inside a message, read as a string is: CAF 0.17 sizes a byte
/// vector by the length the bytes claim before reading them (a few bytes
/// could ask for 4 GiB), but checks a string's length against what is
/// there. The bytes on the wire are the same.
struct bytes_field {
  std::vector<char>& ref;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bytes_field& x) {
  std::string text;
  auto save = caf::meta::save_callback([&]() -> caf::error {
    text.assign(x.ref.begin(), x.ref.end());
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x.ref.assign(text.begin(), text.end());
    return caf::none;
  });
  return f(save, text, load);
}

/// An error when `value` is not one its enum names (`last` is its last):
/// a peer's bytes can hold any integer, and the rest of the process assumes
/// a named value, so such a message fails to load.
template <class E>
caf::error enum_range_error(E value, E last, const char* what) {
  using U = std::underlying_type_t<E>;
  const auto n = static_cast<U>(value);
  if (n >= 0 && n <= static_cast<U>(last)) return caf::none;
  return caf::make_error(caf::sec::invalid_argument,
                         std::string(what) + " out of range: " + std::to_string(n));
}

}  // namespace wire

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_id& x) {
  std::array<std::uint8_t, 16> bytes{};
  auto save = caf::meta::save_callback([&]() -> caf::error {
    bytes = x.bytes();
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x = job_id::from_bytes(bytes);
    return caf::none;
  });
  return f(caf::meta::type_name("jf_job_id"), save, bytes, load);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_lease& x) {
  return f(caf::meta::type_name("jf_lease"), x.session, x.sequence);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_error& x) {
  wire::optional_field<std::int64_t> retry_after{x.retry_after_ms};
  auto arrival_check = caf::meta::load_callback([&]() -> caf::error {
    if (x.retry_after_ms && *x.retry_after_ms < 0)
      return caf::make_error(caf::sec::invalid_argument, "job_error.retry_after_ms is negative");
    return wire::enum_range_error(x.kind, error_kind::node_lost, "job_error.kind");
  });
  return f(caf::meta::type_name("jf_job_error"), x.code, x.message, x.kind, retry_after,
           arrival_check);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_progress& x) {
  wire::optional_field<std::int64_t> eta{x.eta_ms};
  // What a job keeps and its JSON can read back (job_codec.hpp), as a local
  // attempt's context makes it: a report from a peer outside that range
  // would leave the job unreadable once stored. (An infinite percent would
  // also hang CAF 0.17's serialiser, which halves it until it is below 2.)
  auto arrival_check = caf::meta::load_callback([&]() -> caf::error {
    if (!(x.percent >= 0 && x.percent <= 100))
      return caf::make_error(caf::sec::invalid_argument, "job_progress.percent is not in 0..100");
    if (x.updated_at < min_timestamp || x.updated_at > max_timestamp)
      return caf::make_error(caf::sec::invalid_argument, "job_progress.updated_at is out of range");
    if (x.eta_ms && *x.eta_ms < 0)
      return caf::make_error(caf::sec::invalid_argument, "job_progress.eta_ms is negative");
    return caf::none;
  });
  return f(caf::meta::type_name("jf_progress"), x.percent, x.stage, x.message, x.updated_at, eta,
           arrival_check);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_blob& x) {
  return f(caf::meta::type_name("jf_blob"), x.file, x.size, x.sha256, x.content_type);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_order& x) {
  wire::json_field payload{x.payload};
  wire::json_field checkpoint{x.checkpoint};
  return f(caf::meta::type_name("jf_attempt_order"), x.id, x.attempt, x.type, payload, checkpoint,
           x.started_at, x.deadline, x.supervisor, x.lease);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, routed_order& x) {
  return f(caf::meta::type_name("jf_routed_order"), x.executor, x.order);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, streamed_result& x) {
  return f(caf::meta::type_name("jf_streamed"), x.size, x.sha256, x.content_type, x.json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_chunk& x) {
  wire::bytes_field bytes{x.bytes};
  return f(caf::meta::type_name("jf_chunk"), x.id, x.attempt, x.lease, x.offset, bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_outcome& x) {
  wire::result_field result{x.result};
  wire::optional_field<job_progress> progress{x.progress};
  wire::json_field checkpoint{x.checkpoint};
  wire::optional_field<stop_reason> stopped{x.stopped};
  wire::optional_field<result_blob> file{x.result_file};
  wire::optional_field<streamed_result> streamed{x.streamed};
  // Only a worker node's outcomes cross, and a node keeps no results
  // folder: a result file named by one would be a file of the
  // coordinator's that the node picked (another job's, or any path).
  auto arrival_check = caf::meta::load_callback([&]() -> caf::error {
    if (x.result_file)
      return caf::make_error(caf::sec::invalid_argument,
                             "attempt_outcome.result_file is set by a worker node");
    if (!x.stopped) return caf::none;
    return wire::enum_range_error(*x.stopped, stop_reason::shutdown, "attempt_outcome.stopped");
  });
  return f(caf::meta::type_name("jf_outcome"), x.attempt, x.lease, result, progress, checkpoint,
           x.checkpoint_saved, stopped, file, streamed, arrival_check);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_report& x) {
  wire::json_field checkpoint{x.checkpoint};
  return f(caf::meta::type_name("jf_progress_report"), x.attempt, x.lease, x.progress, checkpoint,
           x.checkpoint_saved);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_log& x) {
  auto level_check = caf::meta::load_callback(
      [&] { return wire::enum_range_error(x.level, log_level::error, "attempt_log.level"); });
  return f(caf::meta::type_name("jf_attempt_log"), x.attempt, x.lease, x.level, x.text, x.held_back,
           level_check);
}

/// (join_atom, join_request) -> join_reply: a worker node asks the
/// coordinator's gateway to join.
struct join_request {
  std::uint32_t protocol_version = cluster_protocol_version;
  std::string node;     ///< stable across restarts (--node-id, the host name by default)
  std::string boot_id;  ///< random per process start
  std::string token;    ///< the cluster's shared secret
  std::string host;     ///< the node's host name, for operators
  /// The job types the node runs (a subset of the coordinator's).
  std::vector<std::string> types;
  std::uint32_t capacity = 0;  ///< executors it offers once accepted
  caf::actor agent;            ///< watched by the coordinator: its loss is the node's
};

/// The gateway's answer to a join.
struct join_reply {
  bool accepted = false;
  std::string reason;         ///< why not (says nothing of the cluster to a stranger)
  std::uint64_t session = 0;  ///< this join's, carried in every lease
  std::string coordinator;    ///< the coordinator's node name
  std::uint32_t protocol_version = cluster_protocol_version;
  /// Types of the node the coordinator does not know (never assigned).
  std::vector<std::string> unknown_types;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_request& x) {
  return f(caf::meta::type_name("jf_join_request"), x.protocol_version, x.node, x.boot_id, x.token,
           x.host, x.types, x.capacity, x.agent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("jf_join_reply"), x.accepted, x.reason, x.session, x.coordinator,
           x.protocol_version, x.unknown_types);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, executor_offer& x) {
  // Not the link: the gateway sets it on the coordinator's side.
  wire::optional_field<std::vector<std::string>> types{x.types};
  return f(caf::meta::type_name("jf_offer"), x.node, x.session, types, x.executors);
}

/// (join_atom, join_request) -> join_reply
using join_atom = caf::atom_constant<caf::atom("jf_join")>;
/// (heartbeat_atom, std::uint64_t session): a worker node to the gateway,
/// every second (CAF's own heartbeats detect a lost connection; this one
/// tells operators when the node was last heard from).
using heartbeat_atom = caf::atom_constant<caf::atom("jf_beat")>;

}  // namespace jobforge

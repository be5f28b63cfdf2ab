#pragma once
/// Where a succeeded attempt's result goes: a file the handler produced,
/// or a JSON result larger than the inline limit, into the results folder.
/// Only the coordinator has one. A local attempt keeps its result on the
/// executor's worker thread (keep_large_result); a worker node's executor
/// streams such a result to the job's supervisor in chunks of at most
/// result_chunk_bytes before the outcome (stream_large_result), and the
/// supervisor writes them and keeps the file once the outcome says it is
/// whole (result_receiver).

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"

#include <fstream>
#include <string>

namespace jobforge {

/// Keeps `out`'s result as a file when it is one or too large to keep
/// inline; if that fails, the attempt fails (transient: the disk may have
/// room again on the next attempt).
void keep_large_result(const job_id& id, const result_file_settings& settings,
                       attempt_outcome& out);

/// A worker node's executor: sends `out`'s result to the supervisor in
/// chunks when it is a file or a JSON text longer than one chunk, and
/// leaves in `out` what the coordinator needs to keep it (`streamed`).
/// A file that cannot be read fails the attempt (transient).
void stream_large_result(const attempt_order& order, attempt_outcome& out);

/// The coordinator's side of one streamed result.
class result_receiver {
 public:
  /// Writes a chunk; one out of order, or a write that fails, spoils the
  /// result (the outcome then fails the attempt).
  void add(const result_file_settings& settings, const result_chunk& chunk);
  /// Keeps what was received as the job's result once the outcome came.
  expected<result_blob> finish(const result_file_settings& settings, const job_id& id,
                               const streamed_result& expected_result);
  /// Drops a partial result (its attempt ended otherwise).
  void discard(const result_file_settings& settings, const job_id& id);
  bool active() const { return open_ || !problem_.empty(); }

 private:
  std::ofstream file_;
  std::uint64_t received_ = 0;
  bool open_ = false;
  std::string problem_;  ///< why the result is spoiled, if it is
};

}  // namespace jobforge

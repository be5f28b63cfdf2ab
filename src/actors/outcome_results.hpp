#pragma once
/// Where a succeeded attempt's result goes: a file the handler produced,
/// or a JSON result larger than the inline limit, into the results folder
/// (on the executor's worker thread for a local attempt; on the
/// coordinator, by the supervisor, for an attempt a worker node ran, since
/// only the coordinator has the results folder).

#include "actors/protocol.hpp"
#include "actors/result_files.hpp"

namespace jobforge {

/// Keeps `out`'s result as a file when it is one or too large to keep
/// inline; if that fails, the attempt fails (transient: the disk may have
/// room again on the next attempt).
void keep_large_result(const job_id& id, const result_file_settings& settings,
                       attempt_outcome& out);

}  // namespace jobforge

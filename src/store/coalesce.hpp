#pragma once
/// Coalescing a batch of writes: only the last write of each job (and of
/// each schedule's record) matters to
/// the state a batch commits, so the earlier ones are dropped before the
/// store sees them (a job that starts and completes within one batch is
/// written once, not twice).

#include "store/store.hpp"

#include <vector>

namespace jobforge {

/// The batch with every write that a later write of the same job supersedes
/// removed; the survivors keep their order. Writes without a job (a put with
/// no snapshot) are kept, so that the store still refuses the batch.
std::vector<store_write> coalesce_writes(std::vector<store_write> batch);

}  // namespace jobforge

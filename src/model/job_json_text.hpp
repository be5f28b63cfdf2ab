#pragma once
/// A job's JSON document written straight to text, without building the
/// `boost::json::value` tree first. It parses to exactly the value of
/// `to_json(j)` (same fields, same order, same kinds); only the spelling of
/// numbers and escapes may differ from `boost::json::serialize`.
///
/// Why: the SQLite store writes every job's document on every change, and
/// building the tree (33 keys, each an allocation and a hash insert) was a
/// tenth of the store writer's time.

#include "model/job.hpp"

#include <string>

namespace jobforge {

std::string job_json_text(const job& j);

}  // namespace jobforge

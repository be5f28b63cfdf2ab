#pragma once
/// A job's JSON document written straight to text, without building the
/// `boost::json::value` tree first. It parses to exactly the value of
/// `to_json(j)` (same fields, same order, same kinds); only the spelling of
/// numbers and escapes may differ from `boost::json::serialize`.
///
/// Why: the SQLite store writes every job's document on every change, and
/// building the tree (33 keys, each an allocation and a hash insert) was a
/// tenth of the store writer's time.
///
/// Both refuse a job holding a number that is not finite (its payload,
/// result, checkpoint, retry or progress), naming its path, instead of
/// writing a text that is not JSON.

#include "model/error.hpp"
#include "model/job.hpp"

#include <string>
#include <string_view>

namespace jobforge {

/// The job's document as the API shows it.
expected<std::string> job_json_text(const job& j);

/// The stored form of a job (the SQLite store's document): the fields of
/// job_json_text without those at their default (nulls, empty lists and
/// strings, the default priority and dependency rule), which job_from_json
/// reads back as the same job. A `noop` job's document is about half as
/// long, and each store write rewrites the whole document.
expected<std::string> job_document_text(const job& j);

/// The stored form without the history, for stores that keep a job's
/// history entries apart (appended one by one instead of rewritten).
expected<std::string> job_document_text_without_history(const job& j);

/// One history entry in its compact stored form. An entry holds no number
/// but the attempt, so it always has one.
std::string history_entry_text(const history_entry& h);

/// A document of job_document_text_without_history with its history put
/// back: `joined_entries` is history_entry_text of each entry, in order,
/// separated by commas (empty for none).
std::string with_history_texts(std::string_view document, std::string_view joined_entries);

}  // namespace jobforge

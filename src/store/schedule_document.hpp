#pragma once
/// A schedule's record as the SQL stores keep it: one JSON document per
/// schedule, keyed by its name. Shared by the SQLite and PostgreSQL stores.

#include "model/error.hpp"
#include "model/schedule_record.hpp"

#include <string>
#include <string_view>

namespace jobforge {

/// The document of `r`; an `invalid_argument` error if it holds a number
/// JSON cannot carry (none is ever written).
expected<std::string> schedule_document(const schedule_record& r);

/// The record stored under `name`; an `internal` error naming the schedule
/// when the document is not one.
expected<schedule_record> read_schedule_document(std::string_view name, std::string_view doc);

}  // namespace jobforge

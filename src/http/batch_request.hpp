#pragma once
/// The body of POST /api/jobs/batch read into its entries, apart from the
/// route so that it can be tested and fuzzed without a server. Internal to
/// src/http.

#include "actors/protocol.hpp"
#include "model/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <vector>

namespace jobforge::http {

/// `e` as the error of entry `index`, in the runtime's form: the message
/// prefixed with "jobs[index]: ", the index in the details.
error batch_entry_error(std::size_t index, const error& e);

/// The entries of {"jobs": [...]}, with names and local parents taken out of
/// each submission before it is decoded strictly; the first bad entry is an
/// `invalid_argument` error naming its index.
expected<std::vector<batch_entry>> parse_batch(const boost::json::value& body);

}  // namespace jobforge::http

#pragma once
// What the benchmarks submit.

#include "model/job_request.hpp"

#include <boost/json/object.hpp>

/// A `noop` job with an empty payload.
inline jobforge::job_request noop_request() {
  jobforge::job_request r;
  r.type = "noop";
  r.payload = boost::json::object{};
  return r;
}

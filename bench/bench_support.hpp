#pragma once
// What the benchmarks share: the job they submit and readings of the machine.

#include "model/job_request.hpp"

#include <boost/json/object.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

/// A `noop` job with an empty payload.
inline jobforge::job_request noop_request() {
  jobforge::job_request r;
  r.type = "noop";
  r.payload = boost::json::object{};
  return r;
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
inline long proc_status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  return -1;
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg shows them.
inline std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

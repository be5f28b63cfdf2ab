#include "model/status.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace jobforge {
namespace {

constexpr std::size_t index_of(job_status s) {
  return static_cast<std::size_t>(s);
}

using S = job_status;
// The transition table of SPEC §3: allowed[from][to].
struct transition_table {
  bool allowed[8][8] = {};
  constexpr transition_table() {
    auto allow = [this](S from, S to) { allowed[index_of(from)][index_of(to)] = true; };
    allow(S::scheduled, S::pending);
    allow(S::scheduled, S::canceled);
    allow(S::blocked, S::pending);
    allow(S::blocked, S::canceled);
    allow(S::pending, S::running);
    allow(S::pending, S::canceled);
    allow(S::running, S::completed);
    allow(S::running, S::retrying);
    allow(S::running, S::failed);
    allow(S::running, S::canceled);
    allow(S::running, S::pending);  // node/process died or shutdown interrupted it
    allow(S::retrying, S::pending);
    allow(S::retrying, S::canceled);
    allow(S::failed, S::pending);  // replay from the dead-letter queue
  }
};
constexpr transition_table table;

}  // namespace

std::string_view to_string(job_status s) {
  switch (s) {
    case S::scheduled:
      return "scheduled";
    case S::blocked:
      return "blocked";
    case S::pending:
      return "pending";
    case S::running:
      return "running";
    case S::retrying:
      return "retrying";
    case S::completed:
      return "completed";
    case S::failed:
      return "failed";
    case S::canceled:
      return "canceled";
  }
  return "unknown";
}

std::optional<job_status> parse_job_status(std::string_view text) {
  for (auto s : all_job_statuses)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

bool is_terminal(job_status s) {
  return s == S::completed || s == S::failed || s == S::canceled;
}

bool is_initial(job_status s) {
  return s == S::scheduled || s == S::blocked || s == S::pending;
}

bool may_transition(job_status from, job_status to) {
  return table.allowed[index_of(from)][index_of(to)];
}

expected<void> check_transition(job_status from, job_status to) {
  if (may_transition(from, to)) return {};
  std::string message = "a job cannot go from '";
  message += to_string(from);
  message += "' to '";
  message += to_string(to);
  message += "'";
  return error{error_code::invalid_transition, std::move(message),
               boost::json::object{{"from", to_string(from)}, {"to", to_string(to)}}};
}

}  // namespace jobforge

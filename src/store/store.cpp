#include "store/store.hpp"

#include "model/exact_json_parse.hpp"
#include "model/job_codec.hpp"

#include <boost/json/value.hpp>

namespace jobforge {

job_summary summarize(const job& j) {
  return job_summary{j.id,         j.type,   j.status,          j.priority,
                     j.created_at, j.run_at, j.next_attempt_at, j.dependencies};
}

std::int64_t dependency_rule_code(const dependency_spec& d) {
  return (d.mode == dependency_mode::any ? 1 : 0) +
         (d.on_failure == dependency_failure_policy::run ? 2 : 0) + 4 * d.timeout_ms;
}

void read_dependency_rule(std::int64_t code, dependency_spec& d) {
  d.mode = (code & 1) != 0 ? dependency_mode::any : dependency_mode::all;
  d.on_failure =
      (code & 2) != 0 ? dependency_failure_policy::run : dependency_failure_policy::cancel;
  d.timeout_ms = code >> 2;
}

expected<std::vector<job_summary>> store::load_unfinished_summaries() {
  auto jobs = load_unfinished();
  if (!jobs) return std::move(jobs).error_value();
  std::vector<job_summary> out;
  out.reserve(jobs->size());
  for (const auto& j : *jobs)
    out.push_back(summarize(j));
  return out;
}

expected<job> read_stored_job(std::string_view document) {
  boost::json::error_code ec;
  auto value = parse_json_exactly(document, ec);
  if (ec) return error{error_code::internal, "the stored document is not JSON: " + ec.message()};
  auto decoded = job_from_json(value);
  if (!decoded)
    return error{error_code::internal,
                 "the stored document is not a job: " + decoded.error_value().message};
  return decoded;
}

expected<void> check_batch(const std::vector<store_write>& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const char* problem = nullptr;
    if (const auto* put = std::get_if<put_job>(&batch[i]))
      problem = !put->snapshot               ? "puts no job"
                : put->snapshot->id.is_nil() ? "puts a job with the nil id"
                                             : nullptr;
    else if (const auto* sched = std::get_if<put_schedule>(&batch[i]))
      problem = !sched->record                                 ? "puts no schedule"
                : !is_valid_schedule_name(sched->record->name) ? "puts a schedule without a name"
                                                               : nullptr;
    if (problem != nullptr)
      return error{error_code::invalid_argument,
                   "write " + std::to_string(i) + " of the batch " + problem,
                   boost::json::object{{"index", i}}};
  }
  return {};
}

}  // namespace jobforge

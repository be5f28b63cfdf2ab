#include "model/dependency.hpp"

namespace jobforge {

std::string_view to_string(dependency_mode m) {
  return m == dependency_mode::all ? "all" : "any";
}

std::optional<dependency_mode> parse_dependency_mode(std::string_view text) {
  if (text == "all") return dependency_mode::all;
  if (text == "any") return dependency_mode::any;
  return std::nullopt;
}

std::string_view to_string(dependency_failure_policy p) {
  return p == dependency_failure_policy::cancel ? "cancel" : "run";
}

std::optional<dependency_failure_policy> parse_dependency_failure_policy(std::string_view text) {
  if (text == "cancel") return dependency_failure_policy::cancel;
  if (text == "run") return dependency_failure_policy::run;
  return std::nullopt;
}

dependency_verdict on_dependency_timeout(const dependency_spec& spec) {
  return spec.on_failure == dependency_failure_policy::run ? dependency_verdict::run
                                                           : dependency_verdict::cancel;
}

dependency_verdict evaluate_dependencies(const dependency_spec& spec, const parent_tally& t) {
  if (t.total == 0) return dependency_verdict::run;
  const bool cancel_on_failure = spec.on_failure == dependency_failure_policy::cancel;
  if (spec.mode == dependency_mode::all) {
    if (t.failed > 0 && cancel_on_failure) return dependency_verdict::cancel;
    return t.unfinished() == 0 ? dependency_verdict::run : dependency_verdict::wait;
  }
  if (t.completed > 0) return dependency_verdict::run;
  if (t.unfinished() > 0) return dependency_verdict::wait;
  return cancel_on_failure ? dependency_verdict::cancel : dependency_verdict::run;
}

}  // namespace jobforge

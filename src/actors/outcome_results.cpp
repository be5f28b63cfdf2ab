#include "actors/outcome_results.hpp"

#include "model/json_text.hpp"

namespace jobforge {

void keep_large_result(const job_id& id, const result_file_settings& settings,
                       attempt_outcome& out) {
  if (!out.result.succeeded()) return;
  const auto fail = [&](const error& e) {
    out.result = handler_result::transient("result_not_stored",
                                           "the result could not be stored: " + e.message);
  };
  if (const auto& spec = out.result.file()) {
    auto kept = keep_result_file(settings, id, *spec);
    if (!kept) return fail(kept.error_value());
    out.result_file = std::move(kept).value();
    return;
  }
  const auto& v = out.result.value();
  if (settings.dir.empty() || !(v.is_object() || v.is_array() || v.is_string())) return;
  auto text = json_text(v);  // invoke_handler refused a result JSON cannot carry
  if (!text) return fail(text.error_value());
  if (text->size() <= settings.max_inline_bytes) return;
  auto kept = keep_json_result(settings, id, *text);
  if (!kept) return fail(kept.error_value());
  out.result_file = std::move(kept).value();
  out.result = handler_result::ok(boost::json::object{{"stored_as_file", true}});
}

}  // namespace jobforge

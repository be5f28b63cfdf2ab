#include "testing/test_context.hpp"

#include "model/payload_validator.hpp"

namespace jobforge::testing {

test_context::test_context(int attempt, milliseconds timeout, job_id id)
    : id_(id), attempt_(attempt), timeout_(timeout) {}

void test_context::report_progress(double percent, std::string_view stage,
                                   std::string_view message) {
  progress_.push_back({percent, std::string(stage), std::string(message), now_});
}

void test_context::save_checkpoint(boost::json::value checkpoint) {
  // As the runtime does: a checkpoint JSON cannot hold is not kept.
  if (auto refused = unrepresentable_json("checkpoint", checkpoint)) {
    if (!refused_checkpoint_) refused_checkpoint_ = std::move(refused);
    return;
  }
  checkpoints_.push_back(checkpoint);
  checkpoint_ = std::move(checkpoint);
}

const boost::json::value* test_context::checkpoint() const {
  return checkpoint_.is_null() ? nullptr : &checkpoint_;
}

void test_context::stop_at(milliseconds at, stop_reason reason) {
  if (at <= now_) {
    request_stop(reason);
    return;
  }
  scheduled_stop_ = std::make_pair(at, reason);
}

bool test_context::sleep_for(milliseconds d) {
  if (token_.stop_requested()) return false;
  const milliseconds wake = now_ + d;
  if (scheduled_stop_ && scheduled_stop_->first <= wake) {
    now_ = scheduled_stop_->first;
    request_stop(scheduled_stop_->second);
    scheduled_stop_.reset();
    return false;
  }
  now_ = wake;
  return true;
}

handler_result run_handler_once(const job_type& type, const boost::json::value& payload,
                                test_context& ctx) {
  auto validator = payload_validator::compile(type.schema);
  if (!validator)
    return handler_result::permanent("invalid_schema", validator.error_value().message);
  if (auto ok = validator->validate(payload); !ok)
    return handler_result::permanent("invalid_payload", ok.error_value().message);
  auto result = invoke_handler(type.handler, ctx, payload);
  // A refused checkpoint fails a succeeded attempt, as in the runtime.
  if (ctx.refused_checkpoint() && result.succeeded())
    return handler_result::failure(*ctx.refused_checkpoint());
  return result;
}

}  // namespace jobforge::testing

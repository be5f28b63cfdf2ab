// The fallback of jobforge/client_fallback.hpp: the same submission JSON the
// client would send, decoded by the model's codec and run by an embedded
// runtime, so a job runs locally exactly as the server would run it.

#include "jobforge/client_fallback.hpp"

#include "client/job_json.hpp"
#include "model/job_codec.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <mutex>

namespace jobforge::client {
namespace {

class runtime_fallback final : public local_runner {
 public:
  runtime_fallback(std::function<void(job_type_registry&)> register_types, std::size_t executors)
      : register_types_(std::move(register_types)), executors_(executors) {}

  result<sync_result> run(const submit_request& request, milliseconds timeout) override {
    std::string problem;
    auto body = request_to_json(request, milliseconds{0}, problem);
    if (!body) return fail(error_kind::invalid_argument, problem);
    auto decoded = job_request_from_json(*body);
    if (!decoded) return fail(error_kind::rejected, decoded.error_value().message);
    auto& rt = local_runtime();
    auto submitted = rt.submit(std::move(*decoded));
    if (!submitted) return fail(error_kind::rejected, submitted.error_value().message);
    const auto id = to_string(submitted->value.id);
    auto done = rt.wait(submitted->value.id, timeout);
    if (!done) {
      auto e = fail(error_kind::timeout, "job " + id + " (local) " + done.error_value().message);
      e.job_id = id;
      return e;
    }
    if (done->status == job_status::completed)
      return sync_result{boost::json::serialize(done->result), id, true};
    auto e =
        fail(done->status == job_status::failed ? error_kind::job_failed : error_kind::job_canceled,
             "job " + id + " (local) " + std::string(to_string(done->status)));
    if (done->last_error) {
      e.code = done->last_error->code;
      e.message += ": " + done->last_error->code + ": " + done->last_error->message;
    }
    e.job_id = id;
    e.job_status = std::string(to_string(done->status));
    return e;
  }

 private:
  static error fail(error_kind kind, std::string message) {
    error e;
    e.kind = kind;
    e.message = std::move(message);
    e.url = "local";
    return e;
  }

  // Started at the first fallback, so a client whose server never fails
  // never pays for an actor system.
  runtime& local_runtime() {
    std::lock_guard lock(mutex_);
    if (!runtime_) {
      job_type_registry types;
      register_types_(types);
      runtime_config config;
      config.executors = executors_;
      runtime_ = std::make_unique<runtime>(std::move(types), config);
    }
    return *runtime_;
  }

  std::function<void(job_type_registry&)> register_types_;
  std::size_t executors_;
  std::mutex mutex_;
  std::unique_ptr<runtime> runtime_;
};

}  // namespace

std::shared_ptr<local_runner> make_runtime_fallback(
    std::function<void(job_type_registry&)> register_types, std::size_t executors) {
  return std::make_shared<runtime_fallback>(std::move(register_types), executors);
}

}  // namespace jobforge::client

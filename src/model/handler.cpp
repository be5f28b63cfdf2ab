#include "model/handler.hpp"

#include "model/finite_json.hpp"

#include <exception>

namespace jobforge {

std::string_view to_string(log_level l) {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "info";
}

handler_result handler_result::ok(boost::json::value result) {
  handler_result r;
  r.value_ = std::move(result);
  return r;
}

handler_result handler_result::ok_file(std::string path, std::string content_type,
                                       boost::json::value summary) {
  handler_result r;
  r.value_ = std::move(summary);
  r.file_ = result_file_spec{std::move(path), std::move(content_type)};
  return r;
}

handler_result handler_result::failure(job_error e) {
  handler_result r;
  r.succeeded_ = false;
  r.error_ = std::move(e);
  return r;
}

handler_result handler_result::transient(std::string code, std::string message) {
  return failure({std::move(code), std::move(message), error_kind::transient});
}

handler_result handler_result::transient_after(std::string code, std::string message,
                                               milliseconds retry_after) {
  job_error e{std::move(code), std::move(message), error_kind::transient};
  e.retry_after_ms = retry_after.count();
  return failure(std::move(e));
}

handler_result handler_result::permanent(std::string code, std::string message) {
  return failure({std::move(code), std::move(message), error_kind::permanent});
}

handler_result invoke_handler(const handler_fn& h, handler_context& ctx,
                              const boost::json::value& payload) noexcept {
  auto crash = [](std::string message) {
    return handler_result::failure({"crash", std::move(message), error_kind::crash});
  };
  try {
    if (!h) return crash("the job type has no handler");
    handler_result r = h(ctx, payload);
    if (r.succeeded())
      if (auto refused = unrepresentable_json("result", r.value()))
        return handler_result::failure(std::move(*refused));
    return r;
  } catch (const transient_error& e) {
    return handler_result::transient(e.code(), e.what());
  } catch (const permanent_error& e) {
    return handler_result::permanent(e.code(), e.what());
  } catch (const std::exception& e) {
    return crash(std::string("handler threw: ") + e.what());
  } catch (...) {
    return crash("handler threw a non-standard exception");
  }
}

std::optional<job_error> unrepresentable_json(std::string_view what, const boost::json::value& v) {
  auto ok = require_finite(v);
  if (ok) return std::nullopt;
  return job_error{
      "invalid_" + std::string(what),
      "the handler's " + std::string(what) + " cannot be kept: " + ok.error_value().message,
      error_kind::permanent};
}

}  // namespace jobforge

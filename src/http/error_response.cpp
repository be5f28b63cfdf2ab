#include "http/error_response.hpp"

#include "model/job_codec.hpp"
#include "model/json_text.hpp"
#include "model/utf8_text.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

namespace jobforge::http {

int status_for(error_code code) {
  // No default: a new code must be placed here deliberately (-Wswitch).
  switch (code) {
    case error_code::invalid_argument:
    case error_code::invalid_json:
      return 400;
    case error_code::unauthenticated:
      return 401;
    case error_code::forbidden:
      return 403;
    case error_code::not_found:
      return 404;
    case error_code::conflict:
    case error_code::invalid_transition:
    case error_code::duplicate_job_type:
      return 409;
    case error_code::payload_too_large:
      return 413;
    // Well-formed JSON the server understood but cannot accept as a job.
    case error_code::schema_violation:
    case error_code::unknown_job_type:
    case error_code::dependency_cycle:
    case error_code::invalid_schema:
      return 422;
    case error_code::internal:
      return 500;
    case error_code::unavailable:
      return 503;
    case error_code::timeout:
      return 504;
    // The request itself succeeded; a route answers these with the job.
    case error_code::job_failed:
    case error_code::job_canceled:
      return 200;
  }
  return 500;
}

void send_json(httplib::Response& res, int status, const boost::json::value& body) {
  auto text = json_text(body);
  if (!text) {
    // Never a body that is not JSON; the envelope of this error is plain.
    spdlog::error("http: an answer cannot be written as JSON: {}", text.error_value().message);
    res.status = 500;
    res.set_content(boost::json::serialize(error_envelope(error{
                        error_code::internal,
                        "the answer cannot be written as JSON: " + text.error_value().message})),
                    "application/json");
    return;
  }
  res.status = status;
  res.set_content(std::move(text).value(), "application/json");
}

namespace {

// Invalid UTF-8 in a quoted path or query (GET /api/job-types/%FF) would
// otherwise be serialized as is, and the answer would not be JSON at all.
void repair_strings(boost::json::value& v) {
  if (auto* s = v.if_string()) {
    if (!is_valid_utf8(*s)) *s = repair_utf8(*s);
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a)
      repair_strings(item);
  } else if (auto* o = v.if_object()) {
    boost::json::object fixed;
    bool keys_ok = true;
    for (auto& field : *o) {
      repair_strings(field.value());
      keys_ok = keys_ok && is_valid_utf8(field.key());
    }
    if (keys_ok) return;
    for (auto& field : *o)
      fixed[repair_utf8(field.key())] = std::move(field.value());
    *o = std::move(fixed);
  }
}

}  // namespace

boost::json::value client_safe_envelope(const error& e) {
  auto envelope = error_envelope(e);
  repair_strings(envelope);
  return envelope;
}

void send_error(httplib::Response& res, const error& e) {
  // An error that passes (a store waiting for its database) says when to
  // ask again, as a standby does.
  if (const auto* details = e.details.if_object())
    if (const auto* after = details->if_contains("retry_after"); after && after->is_int64())
      res.set_header("Retry-After", std::to_string(after->as_int64()));
  send_json(res, status_for(e.code), client_safe_envelope(e));
}

error error_for_status(int status, const httplib::Request& req, std::size_t max_body_bytes) {
  switch (status) {
    case 404:
      return error{error_code::not_found, "no route for " + req.method + " " + req.path,
                   boost::json::object{{"method", req.method}, {"path", req.path}}};
    case 413:
      return error{error_code::payload_too_large,
                   "the request body exceeds " + std::to_string(max_body_bytes) + " bytes",
                   boost::json::object{{"max_body_bytes", max_body_bytes}}};
    case 503:
      return error{error_code::unavailable, "the server is unavailable"};
    default:
      if (status >= 400 && status < 500)
        return error{error_code::invalid_argument,
                     "malformed HTTP request (HTTP " + std::to_string(status) +
                         "; e.g. a POST without Content-Length, or a bad header or range)",
                     boost::json::object{{"status", status}}};
      return error{error_code::internal, "internal error (HTTP " + std::to_string(status) + ")",
                   boost::json::object{{"status", status}}};
  }
}

httplib::Server::Handler guarded(
    std::string route, std::function<void(const httplib::Request&, httplib::Response&)> fn) {
  return [route = std::move(route), fn = std::move(fn)](const httplib::Request& req,
                                                        httplib::Response& res) {
    try {
      fn(req, res);
    } catch (const std::exception& e) {
      spdlog::error("http: {} {} ({}) threw: {}", req.method, req.path, route, e.what());
      send_error(res, error{error_code::internal, "internal error while handling the request"});
    } catch (...) {
      spdlog::error("http: {} {} ({}) threw a non-exception", req.method, req.path, route);
      send_error(res, error{error_code::internal, "internal error while handling the request"});
    }
  };
}

void send_exception(const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
  std::string what = "unknown exception";
  try {
    if (ep) std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  spdlog::error("http: {} {} escaped to the server: {}", req.method, req.path, what);
  res.headers.clear();
  send_error(res, error{error_code::internal, "internal error while handling the request"});
}

}  // namespace jobforge::http
